/**
 * Evaluation of continual pre-training: validation losses over a run and the metrics derived from
 * them.
 *
 * <p>Each named validation set is evaluated on a fixed set of validation batches (the same tokens
 * every time) at step 0, before any update, and at intervals; its evaluations form a {@link
 * io.cpt4j.eval.ValidationCurve} of {@link io.cpt4j.eval.EvalPoint}s. From a curve, {@link
 * io.cpt4j.eval.SetReport} derives the change since step 0 (forgetting on a general set, gain on a
 * domain set) and the {@link io.cpt4j.eval.StabilityGap} (the largest rise above the step-0 loss and
 * the step at which the loss first returns below it). {@link io.cpt4j.eval.EvalReport} gathers the
 * sets. These are immutable values computed with plain {@code double} arithmetic.
 *
 * <p>Task evaluation: a {@link io.cpt4j.eval.Scorer} answers lm-evaluation-harness's loglikelihood
 * requests ({@link io.cpt4j.eval.LoglikelihoodRequest} to {@link io.cpt4j.eval.Loglikelihood}) with
 * a checkpoint or an exported ONNX model.
 */
package io.cpt4j.eval;
