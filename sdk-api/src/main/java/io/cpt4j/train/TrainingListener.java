package io.cpt4j.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * Callbacks from a running {@link ContinualPretrainer}, on the training thread, in order. Default
 * methods do nothing; an exception thrown by a listener stops the run (the last checkpoint stays).
 */
public interface TrainingListener {
  /**
   * The run is about to take its first step ({@code startStep} is 0, or the step resumed from, or
   * for a branch its branch point).
   */
  default void onStart(RunConfig config, long startStep, long totalSteps) {}

  /** An optimizer step finished. */
  default void onStep(StepEvent event) {}

  /** Validation losses (mean token NLL in nats) after {@code step} updates; step 0 is before any. */
  default void onEvaluation(long step, long tokens, Map<String, Double> losses) {}

  /** A checkpoint was written (atomically) to {@code directory}. */
  default void onCheckpoint(long step, Path directory) {}

  /** The run ended (normally or after {@code maxBadSteps} non-finite steps). */
  default void onFinish(TrainingReport report) {}

  /**
   * One optimizer step as logged in {@code metrics.jsonl}.
   *
   * @param step updates done, counting this one (1 for the first)
   * @param totalSteps updates planned
   * @param tokens input positions consumed so far (rows × sequence length, padding included)
   * @param lr the learning rate this step used
   * @param loss mean token NLL of its batch (before the update)
   * @param gradNorm global gradient norm before clipping (NaN/∞ when the step was skipped)
   * @param skipped whether a non-finite gradient skipped the update
   * @param tokensPerSecond throughput of this step
   */
  record StepEvent(long step, long totalSteps, long tokens, double lr, double loss, double gradNorm,
      boolean skipped, double tokensPerSecond) {}
}
