package io.cpt4j.backend;

import java.util.Map;
import java.util.Objects;

/**
 * What one optimizer step did.
 *
 * @param loss weighted mean next-token loss over all micro-batches of the step (unscaled; without
 *     regularizer terms)
 * @param gradNorm global L2 norm of the gradient before clipping (NaN or infinite on overflow)
 * @param tokens positions that carried loss (target not IGNORE, weight &gt; 0)
 * @param skipped whether the update was skipped because a gradient overflowed (FP16 only)
 * @param lossScale the loss scale used for this step (1 in FP32)
 * @param terms each regularizer's unweighted value this step, by {@link Regularizer.Kind#key()}
 *     (empty without regularizers; see {@link Regularizer})
 */
public record StepResult(double loss, double gradNorm, long tokens, boolean skipped, double lossScale,
    Map<String, Double> terms) {
  public StepResult {
    terms = Map.copyOf(Objects.requireNonNull(terms, "terms"));
  }

  /** A step without regularizer terms. */
  public StepResult(double loss, double gradNorm, long tokens, boolean skipped, double lossScale) {
    this(loss, gradNorm, tokens, skipped, lossScale, Map.of());
  }
}
