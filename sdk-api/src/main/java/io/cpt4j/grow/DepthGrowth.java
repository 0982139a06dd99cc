package io.cpt4j.grow;

import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Function-preserving depth growth by block expansion (LLaMA-Pro, Wu et al. 2024): after every
 * {@code every} decoder layers a copy of the last of them is inserted with its output projections
 * (attention output and MLP down projection, with their biases) set to zero, so the new block adds
 * nothing to the residual stream and the grown model computes the same function as the base; train
 * only the new blocks ({@link GrowthReport#trainablePattern()}) to add capacity without touching
 * what the base knows.
 *
 * <pre>{@code
 * GrowthReport r = DepthGrowth.of(Path.of("models/base")).every(4).writeTo(Path.of("models/base-grown"));
 * }</pre>
 *
 * <p>Works for every decoder family cpt4j reads (pre-norm residual blocks, GPT-NeoX's parallel
 * residual too). {@code config.json} is copied with {@code num_hidden_layers} updated and per-layer
 * lists ({@code layer_types}) extended the same way; the tokenizer and generation files are copied.
 * Tensors stream from the memory-mapped base to shards written under a temporary name and renamed.
 * Immutable builder; thread-safe.
 */
public final class DepthGrowth {
  private final Path base;
  private final int every;
  private final boolean overwrite;

  private DepthGrowth(Path base, int every, boolean overwrite) {
    this.base = base;
    this.every = every;
    this.overwrite = overwrite;
  }

  /** Growth of the checkpoint in {@code base}; {@link #every} must be set. */
  public static DepthGrowth of(Path base) {
    return new DepthGrowth(Objects.requireNonNull(base, "base"), 0, false);
  }

  /** Insert one new layer after every {@code k} layers; {@code k} must divide the layer count. */
  public DepthGrowth every(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("every must be at least 1, got " + k);
    }
    return new DepthGrowth(base, k, overwrite);
  }

  /** Replace an existing non-empty output directory (default false: refused). */
  public DepthGrowth overwrite(boolean replace) {
    return new DepthGrowth(base, every, replace);
  }

  /**
   * Writes the grown checkpoint.
   *
   * @throws GrowthException if {@code every} is unset or does not divide the layer count, or a
   *     block's output projections are not found
   * @throws io.cpt4j.checkpoint.CheckpointException if the base cannot be read or the output written
   */
  public GrowthReport writeTo(Path output) {
    if (every < 1) {
      throw new GrowthException("set every(k): one new layer after every k layers");
    }
    return Providers.growth().growDepth(base, every, Objects.requireNonNull(output, "output"), overwrite);
  }
}
