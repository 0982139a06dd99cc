package io.cpt4j.merge;

import io.cpt4j.checkpoint.Checkpoint;
import java.util.Objects;

/**
 * One model taking part in a merge with its per-model parameters (mergekit's {@code
 * models[].parameters}). Immutable.
 *
 * @param checkpoint the fine-tuned (or, for {@code linear}, any) model; not closed by the merge
 * @param weight its weight: the coefficient of its task vector (or of its values for {@code
 *     linear}); default 1
 * @param density the fraction of its task vector kept by TIES (largest magnitudes) or DARE (random
 *     draw), in (0, 1]; default 1 (keep everything); ignored by methods without sparsification
 */
public record MergeInput(Checkpoint checkpoint, double weight, double density) {

  public MergeInput {
    Objects.requireNonNull(checkpoint, "checkpoint");
    if (!Double.isFinite(weight)) {
      throw new MergeException("weight of " + checkpoint.directory() + " must be finite, got " + weight);
    }
    if (!(density > 0 && density <= 1)) {
      throw new MergeException("density of " + checkpoint.directory() + " must be in (0, 1], got " + density);
    }
  }

  /** Weight 1, density 1. */
  public static MergeInput of(Checkpoint checkpoint) {
    return new MergeInput(checkpoint, 1, 1);
  }

  /** The given weight, density 1. */
  public static MergeInput of(Checkpoint checkpoint, double weight) {
    return new MergeInput(checkpoint, weight, 1);
  }
}
