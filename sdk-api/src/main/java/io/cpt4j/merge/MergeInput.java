package io.cpt4j.merge;

import io.cpt4j.checkpoint.Checkpoint;
import java.util.Objects;

/**
 * One model taking part in a merge with its per-model parameters (mergekit's {@code
 * models[].parameters}). Either parameter may vary across layers or by tensor name ({@link
 * ParamValue}). Immutable.
 *
 * @param checkpoint the fine-tuned (or, for {@code linear}, any) model; not closed by the merge
 * @param weight its weight: the coefficient of its task vector (or of its values for {@code
 *     linear}); default 1
 * @param density the fraction of its task vector kept by TIES and breadcrumbs (by magnitude) or DARE
 *     (random draw), in (0, 1] for every tensor (a varying value is checked per tensor when the
 *     merge runs); default 1 (keep everything); ignored by methods without sparsification
 */
public record MergeInput(Checkpoint checkpoint, ParamValue weight, ParamValue density) {

  public MergeInput {
    Objects.requireNonNull(checkpoint, "checkpoint");
    Objects.requireNonNull(weight, "weight");
    Objects.requireNonNull(density, "density");
    if (density instanceof ParamValue.Constant(double d)) {
      checkDensity(checkpoint, "", d);
    }
  }

  /** Constant weight and density. */
  public MergeInput(Checkpoint checkpoint, double weight, double density) {
    this(checkpoint, weightOf(checkpoint, weight), new ParamValue.Constant(density));
  }

  /** Weight 1, density 1. */
  public static MergeInput of(Checkpoint checkpoint) {
    return new MergeInput(checkpoint, 1, 1);
  }

  /** The given weight, density 1. */
  public static MergeInput of(Checkpoint checkpoint, double weight) {
    return new MergeInput(checkpoint, weight, 1);
  }

  /**
   * Checks a density value evaluated for one tensor.
   *
   * @param tensor the tensor it was evaluated for ("" when constant)
   * @throws MergeException unless {@code density} is in (0, 1]
   */
  public static void checkDensity(Checkpoint checkpoint, String tensor, double density) {
    if (!(density > 0 && density <= 1)) {
      throw new MergeException("density of " + checkpoint.directory() + (tensor.isEmpty() ? "" : " for " + tensor)
          + " must be in (0, 1], got " + density);
    }
  }

  private static ParamValue weightOf(Checkpoint checkpoint, double weight) {
    if (!Double.isFinite(weight)) {
      throw new MergeException("weight of " + checkpoint.directory() + " must be finite, got " + weight);
    }
    return new ParamValue.Constant(weight);
  }
}
