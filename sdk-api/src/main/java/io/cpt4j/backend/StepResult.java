package io.cpt4j.backend;

/**
 * What one optimizer step did.
 *
 * @param loss weighted mean next-token loss over all micro-batches of the step (unscaled)
 * @param gradNorm global L2 norm of the gradient before clipping (NaN or infinite on overflow)
 * @param tokens positions that carried loss (target not IGNORE, weight &gt; 0)
 * @param skipped whether the update was skipped because a gradient overflowed (FP16 only)
 * @param lossScale the loss scale used for this step (1 in FP32)
 */
public record StepResult(double loss, double gradNorm, long tokens, boolean skipped, double lossScale) {}
