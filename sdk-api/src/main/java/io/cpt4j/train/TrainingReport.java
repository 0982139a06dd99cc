package io.cpt4j.train;

import io.cpt4j.eval.EvalReport;
import java.nio.file.Path;
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
 */
public record TrainingReport(Path runDirectory, Path finalModel, long steps, long tokens, long skippedSteps,
    double finalTrainingLoss, EvalReport evaluation, Map<String, Long> tokensPerSource, double seconds, Path plots,
    List<TaskChange> tasks) {
  public TrainingReport {
    tokensPerSource = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tokensPerSource));
    tasks = List.copyOf(tasks);
  }

  /** A report of a run without evaluation tasks. */
  public TrainingReport(Path runDirectory, Path finalModel, long steps, long tokens, long skippedSteps,
      double finalTrainingLoss, EvalReport evaluation, Map<String, Long> tokensPerSource, double seconds, Path plots) {
    this(runDirectory, finalModel, steps, tokens, skippedSteps, finalTrainingLoss, evaluation, tokensPerSource, seconds,
        plots, List.of());
  }

  /**
   * A few lines for a console: steps, tokens, losses, forgetting / gain and stability gap per set,
   * then, when tasks were scored, a table of each task metric at step 0, at the end and its change.
   */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%d steps, %,d tokens in %.0f s; final training loss %.4f%s%n",
        steps, tokens, seconds, finalTrainingLoss, skippedSteps > 0 ? " (" + skippedSteps + " steps skipped)" : ""));
    b.append("tokens per source: ").append(tokensPerSource).append('\n');
    b.append(evaluation.describe());
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
}
