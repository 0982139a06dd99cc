package io.cpt4j.grow;

import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Function-preserving width growth of every MLP's intermediate layer by neuron splitting (bert2BERT's
 * function-preserving initialisation, Chen et al. 2022): the base's neurons keep their indices, and
 * each new neuron {@code j} copies a base neuron {@code g(j)} chosen uniformly at random (seeded,
 * deterministic) — its rows of the input-side projections ({@code gate_proj} and {@code up_proj}, or
 * GPT-NeoX's {@code dense_h_to_4h} with its bias). The outgoing weights ({@code down_proj} /
 * {@code dense_4h_to_h} columns) of every neuron in a group of {@code k} copies are divided by
 * {@code k}, so their sum, and the model's function, are unchanged: the activation is elementwise,
 * so a copy computes exactly what its original does, gated (SwiGLU, GeGLU) or not.
 *
 * <pre>{@code
 * WidthGrowthReport r = WidthGrowth.of(Path.of("models/base")).intermediateSize(11008)
 *     .writeTo(Path.of("models/base-wide"));
 * }</pre>
 *
 * <p>Works for every decoder family cpt4j reads; one mapping {@code g} serves all layers. {@code
 * config.json} is copied with {@code intermediate_size} updated and every other key kept; the
 * tokenizer and generation files are copied. Tensors stream from the memory-mapped base to files
 * written under a temporary name and renamed; each keeps the base's dtype. In F32 the grown model
 * equals the base to float rounding; in BF16 or F16 a divided weight is rounded to the dtype (a
 * relative error up to 2⁻⁸ for BF16, 2⁻¹¹ for F16, on the columns of neurons split in groups whose
 * size is not a power of two), so the function is preserved to that precision only.
 *
 * <p>Copies of one neuron receive identical gradients, so training alone does not make them differ;
 * something must break the symmetry (bert2BERT's AKI, noise, dropout).
 *
 * <p>Defaults: seed 0, refuse to replace an existing output. Immutable builder; thread-safe.
 */
public final class WidthGrowth {
  private final Path base;
  private final int intermediateSize;
  private final long seed;
  private final boolean overwrite;

  private WidthGrowth(Path base, int intermediateSize, long seed, boolean overwrite) {
    this.base = base;
    this.intermediateSize = intermediateSize;
    this.seed = seed;
    this.overwrite = overwrite;
  }

  /** Growth of the checkpoint in {@code base}; {@link #intermediateSize} must be set. */
  public static WidthGrowth of(Path base) {
    return new WidthGrowth(Objects.requireNonNull(base, "base"), 0, 0, false);
  }

  /** The MLP intermediate size of the grown model; must exceed the base's. */
  public WidthGrowth intermediateSize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("intermediateSize must be positive, got " + size);
    }
    return new WidthGrowth(base, size, seed, overwrite);
  }

  /** Seed of the random choice of the neurons to copy (default 0); equal seeds give identical files. */
  public WidthGrowth seed(long s) {
    return new WidthGrowth(base, intermediateSize, s, overwrite);
  }

  /** Replace an existing non-empty output directory (default false: refused). */
  public WidthGrowth overwrite(boolean replace) {
    return new WidthGrowth(base, intermediateSize, seed, replace);
  }

  /**
   * Writes the grown checkpoint.
   *
   * @throws GrowthException if the intermediate size is unset or not larger than the base's, or an
   *     MLP projection is missing or mis-shaped
   * @throws io.cpt4j.checkpoint.CheckpointException if the base cannot be read or the output written
   */
  public WidthGrowthReport writeTo(Path output) {
    if (intermediateSize < 1) {
      throw new GrowthException("set intermediateSize(n): the MLP intermediate size of the grown model");
    }
    return Providers.growth().growWidth(base, intermediateSize, seed, Objects.requireNonNull(output, "output"),
        overwrite);
  }
}
