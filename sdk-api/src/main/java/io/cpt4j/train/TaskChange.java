package io.cpt4j.train;

import java.util.Objects;

/**
 * How one metric of one evaluation task moved over a run: its value on the base model (step 0) and
 * at the last evaluation. For accuracies a negative {@link #change()} is forgetting, a positive one
 * a gain; for perplexities and bits per byte it is the other way round. Immutable and thread-safe.
 *
 * @param task the task's name
 * @param metric the metric's name, as {@link io.cpt4j.eval.TaskResult#metrics()} names it
 * @param initial the value at step 0 (may be NaN)
 * @param last the value at the last evaluation (may be NaN)
 */
public record TaskChange(String task, String metric, double initial, double last) {
  public TaskChange {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(metric, "metric");
  }

  /** {@code last - initial}. */
  public double change() {
    return last - initial;
  }
}
