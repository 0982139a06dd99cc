package io.cpt4j.report.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of a run's {@code metrics.jsonl}, typed. There are three kinds, each written by the trainer
 * and read back by resume, the report and the plots through {@link MetricsFile}:
 *
 * <ul>
 *   <li>{@link TrainingStep}, one per optimizer step:
 *       {@code {"step":1,"tokens":64,"lr":0.0,"loss":5.68,"grad_norm":1.33,"skipped":false}}, with
 *       {@code "loss_scale"} appended when it is not 1.0 (dynamic FP16 loss scaling) and {@code
 *       "reg":{"kl":0.012}} when the run has regularizers;
 *   <li>{@link Evaluation}, one per evaluation (step 0 and every {@code evaluate_every} steps):
 *       {@code {"step":0,"tokens":0,"eval":{"code":5.72,"general":5.61}}};
 *   <li>{@link TaskScores}, one per evaluation of a run with tasks, after its {@link Evaluation}:
 *       {@code {"step":0,"tokens":0,"tasks":{"arc":{"acc":0.5,"acc_norm":0.25}}}}.
 * </ul>
 *
 * <p>Non-finite numbers are written as the strings {@code "NaN"}, {@code "Infinity"} and
 * {@code "-Infinity"}. Records are immutable and thread-safe.
 */
public sealed interface MetricsRecord {
  /** The optimizer step the line belongs to: the step just taken, or 0 before any. */
  long step();

  /** Training tokens seen up to and including {@link #step()}. */
  long tokens();

  /**
   * One optimizer step.
   *
   * @param step the step just taken, from 1
   * @param tokens training tokens up to and including this step
   * @param lr the learning rate the step used
   * @param loss the mean training loss of the step's batch (may be non-finite)
   * @param gradNorm the global gradient norm before clipping (may be non-finite)
   * @param skipped whether the update was skipped because the loss or gradient was not finite
   * @param lossScale the FP16 loss scale; 1.0 (not written) without dynamic loss scaling
   * @param terms each regularizer's value this step by kind ({@code "reg":{"kl":0.01}}; not
   *     written when empty)
   */
  record TrainingStep(long step, long tokens, double lr, double loss, double gradNorm, boolean skipped,
      double lossScale, Map<String, Double> terms) implements MetricsRecord {
    public TrainingStep {
      requireWhole("step", step);
      requireWhole("tokens", tokens);
      terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
    }

    /** A step without regularizer terms. */
    public TrainingStep(long step, long tokens, double lr, double loss, double gradNorm, boolean skipped,
        double lossScale) {
      this(step, tokens, lr, loss, gradNorm, skipped, lossScale, Map.of());
    }
  }

  /**
   * The validation losses of one evaluation.
   *
   * @param step the step after which the evaluation ran (0: the base model)
   * @param tokens training tokens seen at that point
   * @param losses per validation set, in the order written; a value may be non-finite (a diverged
   *     model). Copied into an unmodifiable map that keeps this order.
   */
  record Evaluation(long step, long tokens, Map<String, Double> losses) implements MetricsRecord {
    public Evaluation {
      requireWhole("step", step);
      requireWhole("tokens", tokens);
      Map<String, Double> copy = new LinkedHashMap<>();
      losses.forEach((name, loss) -> {
        if (name == null || loss == null) {
          throw new IllegalArgumentException("evaluation losses must not contain null, got " + name + "=" + loss);
        }
        copy.put(name, loss);
      });
      losses = Collections.unmodifiableMap(copy);
    }
  }

  /**
   * The task metrics of one evaluation.
   *
   * @param step the step after which the evaluation ran (0: the base model)
   * @param tokens training tokens seen at that point
   * @param tasks per task, in the order written, its metrics in the order written (a value may be
   *     non-finite). Copied into unmodifiable maps that keep these orders.
   */
  record TaskScores(long step, long tokens, Map<String, Map<String, Double>> tasks) implements MetricsRecord {
    public TaskScores {
      requireWhole("step", step);
      requireWhole("tokens", tokens);
      Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
      tasks.forEach((name, metrics) -> {
        Map<String, Double> m = new LinkedHashMap<>();
        if (name == null || metrics == null) {
          throw new IllegalArgumentException("task scores must not contain null, got " + name + "=" + metrics);
        }
        metrics.forEach((metric, value) -> {
          if (metric == null || value == null) {
            throw new IllegalArgumentException("task '" + name + "' scores must not contain null, got " + metric + "="
                + value);
          }
          m.put(metric, value);
        });
        copy.put(name, Collections.unmodifiableMap(m));
      });
      tasks = Collections.unmodifiableMap(copy);
    }
  }

  private static void requireWhole(String field, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must be ≥ 0, got " + value);
    }
  }
}
