package io.cpt4j.quickstart;

import io.cpt4j.eval.Scorer;
import io.cpt4j.eval.Task;
import io.cpt4j.eval.TaskResult;
import io.cpt4j.tokenize.Tokenizer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The quickstart's task forgetting: the two shipped cloze tasks ({@link ClozeTasks}: general English
 * and Java) scored on the base model and on the continually pre-trained one, so the report shows
 * task accuracy beside the validation losses. With 200 four-way items a task, accuracy has a
 * standard error of about 0.03, and chance is 0.25.
 */
public final class QuickstartTasks {
  /** The shipped tasks, under {@code sdk-quickstart/src/main/resources/tasks/}. */
  public static final List<String> FILES = List.of("sotu-cloze.jsonl", "java-cloze.jsonl");

  private QuickstartTasks() {}

  /** The shipped task files. */
  public static List<Path> files() {
    return FILES.stream().map(f -> Corpora.locate("src/main/resources/tasks/" + f, "it is committed in the repository"))
        .toList();
  }

  /**
   * Scores the tasks on {@code base} and {@code cpt} (checkpoints that share a tokenizer) and returns
   * a table: for each task and metric, the two values and the change.
   */
  public static String forgetting(Path base, Path cpt, PrintStream log) {
    List<Task> tasks = files().stream().map(Task::read).toList();
    long start = System.nanoTime();
    List<TaskResult> before = score(base, tasks);
    List<TaskResult> after = score(cpt, tasks);
    log.printf(Locale.ROOT, "      tasks scored on both models in %.1f s%n", (System.nanoTime() - start) / 1e9);
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-11s %-9s %6s %6s  %s%n", "task", "metric",
        "base", "cpt", "change"));
    for (int i = 0; i < tasks.size(); i++) {
      for (String metric : before.get(i).metrics().keySet()) {
        double b = before.get(i).metric(metric);
        double a = after.get(i).metric(metric);
        out.append(String.format(Locale.ROOT, "%-11s %-9s %6.3f %6.3f  %+.3f (± %.3f)%n", tasks.get(i).name(), metric,
            b, a, a - b, Math.hypot(before.get(i).stderrs().getOrDefault(metric, 0.0),
                after.get(i).stderrs().getOrDefault(metric, 0.0))));
      }
    }
    return out.toString();
  }

  private static List<TaskResult> score(Path model, List<Task> tasks) {
    List<TaskResult> results = new ArrayList<>();
    try (Tokenizer tokenizer = Tokenizer.open(model.resolve("tokenizer.json")); Scorer scorer = Scorer.open(model)) {
      for (Task t : tasks) {
        results.add(t.evaluate(scorer, tokenizer));
      }
    }
    return results;
  }
}
