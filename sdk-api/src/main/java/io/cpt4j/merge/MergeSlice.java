package io.cpt4j.merge;

import io.cpt4j.checkpoint.Checkpoint;
import java.util.List;
import java.util.Objects;

/**
 * A run of consecutive output layers made from layer ranges of the sources (mergekit's {@code slices:
 * - sources: - model: M, layer_range: [a, b]}): output layer {@code o} of the slice merges layer
 * {@code a + o} of every source with the merge's method. With one source per slice and {@link
 * MergeMethod.Passthrough} this stacks layer ranges (frankenmerges, depth up-scaling à la SOLAR); with
 * several sources of equal range lengths it merges them layer by layer (a slerp of two models over
 * their layers, as model cards write it). See {@link Merge#slices}.
 *
 * <pre>{@code
 * Merge.builder(new MergeMethod.Passthrough(), base)
 *     .slice(MergeSlice.of(base, 0, 24))
 *     .slice(MergeSlice.of(base, 8, 32))        // 48 layers: SOLAR-style depth up-scaling
 *     .build().writeTo(Path.of("upscaled"));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param sources the sources, at least one, all with ranges of the same length
 */
public record MergeSlice(List<Source> sources) {

  public MergeSlice {
    sources = List.copyOf(sources);
    if (sources.isEmpty()) {
      throw new MergeException("a slice needs at least one source");
    }
    Source first = sources.getFirst();
    for (Source s : sources) {
      if (s.length() != first.length()) {
        throw new MergeException("the sources of a slice must have layer ranges of equal length, got " + first
            + " and " + s);
      }
    }
  }

  /**
   * One source: layers {@code [start, end)} of a model, with its per-model parameters.
   *
   * @param input the model and its weight and density
   * @param start first layer, ≥ 0
   * @param end one past the last layer, greater than {@code start} (and at most the model's layer
   *     count, checked by {@link Merge})
   */
  public record Source(MergeInput input, int start, int end) {
    public Source {
      Objects.requireNonNull(input, "input");
      if (start < 0 || end <= start) {
        throw new MergeException("layer_range [" + start + ", " + end + "] of " + input.checkpoint().directory()
            + " is empty or negative: it must be [start, end) with 0 <= start < end");
      }
    }

    /** Layers in the range. */
    public int length() {
      return end - start;
    }

    @Override
    public String toString() {
      return "layer_range [" + start + ", " + end + "] of " + input.checkpoint().directory();
    }
  }

  /** A slice of one source with weight 1: layers {@code [start, end)} of {@code checkpoint}. */
  public static MergeSlice of(Checkpoint checkpoint, int start, int end) {
    return new MergeSlice(List.of(new Source(MergeInput.of(checkpoint), start, end)));
  }

  /** Output layers of the slice. */
  public int length() {
    return sources.getFirst().length();
  }
}
