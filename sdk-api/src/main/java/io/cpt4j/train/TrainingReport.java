package io.cpt4j.train;

import io.cpt4j.eval.EvalReport;
import io.cpt4j.eval.SetReport;
import io.cpt4j.plan.CurvePrediction;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a finished run did and what it measured. Immutable; also written as {@code report.json} in
 * the run directory.
 *
 * @param runDirectory the run's output directory
 * @param finalModel the trained model as a Hugging Face checkpoint directory ({@code final/})
 * @param steps optimizer steps taken in total (including those before a resume)
 * @param tokens input positions consumed
 * @param skippedSteps steps whose update was skipped for a non-finite gradient
 * @param finalTrainingLoss the training loss of the last step
 * @param evaluation per validation set: step-0 loss, final loss, change (forgetting or gain) and
 *     stability gap
 * @param tokensPerSource tokens each mixture component contributed
 * @param seconds wall time of this process's part of the run
 * @param plots the directory holding the PNG and SVG plots
 * @param tasks per evaluation task ({@link RunConfig#tasks()}) and metric, in task order: the
 *     step-0 value, the last value and the change; empty when the run scored no tasks
 * @param predictions per validation set, in set order, the predictions of its final loss made at the
 *     evaluations before the last ({@link RunConfig#predictFinalLoss()}), oldest first; a set's list
 *     is empty while too few evaluations existed, and the map is empty when predictions were off
 */
public record TrainingReport(Path runDirectory, Path finalModel, long steps, long tokens, long skippedSteps,
    double finalTrainingLoss, EvalReport evaluation, Map<String, Long> tokensPerSource, double seconds, Path plots,
    List<TaskChange> tasks, Map<String, List<CurvePrediction>> predictions) {
  public TrainingReport {
    tokensPerSource = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tokensPerSource));
    tasks = List.copyOf(tasks);
    Map<String, List<CurvePrediction>> copy = new LinkedHashMap<>();
    predictions.forEach((set, list) -> copy.put(set, List.copyOf(list)));
    predictions = java.util.Collections.unmodifiableMap(copy);
  }

  /** A report of a run without final-loss predictions. */
  public TrainingReport(Path runDirectory, Path finalModel, long steps, long tokens, long skippedSteps,
      double finalTrainingLoss, EvalReport evaluation, Map<String, Long> tokensPerSource, double seconds, Path plots,
      List<TaskChange> tasks) {
    this(runDirectory, finalModel, steps, tokens, skippedSteps, finalTrainingLoss, evaluation, tokensPerSource, seconds,
        plots, tasks, Map.of());
  }

  /** A report of a run without evaluation tasks. */
  public TrainingReport(Path runDirectory, Path finalModel, long steps, long tokens, long skippedSteps,
      double finalTrainingLoss, EvalReport evaluation, Map<String, Long> tokensPerSource, double seconds, Path plots) {
    this(runDirectory, finalModel, steps, tokens, skippedSteps, finalTrainingLoss, evaluation, tokensPerSource, seconds,
        plots, List.of());
  }

  /**
   * A few lines for a console: steps, tokens, losses, forgetting / gain and stability gap per set,
   * then, when final losses were predicted, each set's last prediction against the loss it reached,
   * then, when tasks were scored, a table of each task metric at step 0, at the end and its change.
   */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%d steps, %,d tokens in %.0f s; final training loss %.4f%s%n",
        steps, tokens, seconds, finalTrainingLoss, skippedSteps > 0 ? " (" + skippedSteps + " steps skipped)" : ""));
    b.append("tokens per source: ").append(tokensPerSource).append('\n');
    b.append(evaluation.describe());
    describePredictions(b);
    if (!tasks.isEmpty()) {
      int width = Math.max(4, tasks.stream().mapToInt(t -> t.task().length()).max().orElse(0));
      String row = "%-" + width + "s  %-15s %9s %9s %9s%n";
      b.append(String.format(Locale.ROOT, row, "task", "metric", "step 0", "final", "change"));
      for (TaskChange t : tasks) {
        b.append(String.format(Locale.ROOT, row, t.task(), t.metric(), String.format(Locale.ROOT, "%.4f", t.initial()),
            String.format(Locale.ROOT, "%.4f", t.last()), String.format(Locale.ROOT, "%+.4f", t.change())));
      }
    }
    b.append("model: ").append(finalModel).append('\n');
    b.append("plots: ").append(plots).append('\n');
    return b.toString();
  }

  /** Per set, the last prediction before the end against the final loss; one line when there are none. */
  private void describePredictions(StringBuilder b) {
    if (predictions.isEmpty()) {
      return;
    }
    if (predictions.values().stream().allMatch(List::isEmpty)) {
      b.append("final loss not predicted: each set needs ").append(CurvePrediction.MIN_POINTS)
          .append(" evaluations after the warmup before the last step (and, for a schedule that anneals late, one"
              + " after the decay has begun)\n");
      return;
    }
    int width = Math.max(3, predictions.keySet().stream().mapToInt(String::length).max().orElse(0));
    String row = "%-" + width + "s  %9s  %-17s  %-12s  %9s  %s%n";
    b.append(String.format(Locale.ROOT, "final loss predicted by the LR-annealing law (last prediction, %.0f%% interval):%n",
        100 * CurvePrediction.LEVEL));
    b.append(String.format(Locale.ROOT, row, "set", "predicted", "interval", "at step", "actual", "error"));
    predictions.forEach((set, list) -> {
      if (list.isEmpty()) {
        return;
      }
      CurvePrediction p = list.getLast();
      String actual = "-";
      String error = "";
      SetReport r = evaluation.find(set).orElse(null);
      if (r != null) {
        double last = r.finalLoss();
        actual = String.format(Locale.ROOT, "%.4f", last);
        error = String.format(Locale.ROOT, "%+.4f (%+.1f%%)%s", p.error(last), 100 * p.error(last) / last,
            (p.covers(last) ? "" : ", outside the interval")
            + (p.targetStep() == steps ? "" : ", but the run ended at step " + steps));
      }
      b.append(String.format(Locale.ROOT, row, set, String.format(Locale.ROOT, "%.4f", p.loss()),
          String.format(Locale.ROOT, "%.4f .. %.4f", p.lower(), p.upper()), p.step() + " of " + p.targetStep(), actual,
          error));
    });
  }
}
