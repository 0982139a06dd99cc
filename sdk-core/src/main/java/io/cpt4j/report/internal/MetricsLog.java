package io.cpt4j.report.internal;

import io.cpt4j.report.internal.MetricsRecord.Evaluation;
import io.cpt4j.report.internal.MetricsRecord.TrainingStep;
import io.cpt4j.train.TrainingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The points of a run's {@code metrics.jsonl}, as the plots need them. Immutable.
 *
 * <p>The file is read by {@link MetricsFile#read(Path)} (its rules: a cut last line is skipped, any
 * other bad line is a {@link TrainingException} naming the file and line number). Then:
 *
 * <ul>
 *   <li>A skipped step or a non-finite loss is no loss point; a non-finite lr is no lr point; a
 *       non-finite validation loss is no point of that set.
 *   <li>Points are ordered by step; when a step occurs twice (a run resumed from an earlier
 *       checkpoint logs its steps again) the later line wins.
 *   <li>A file that does not exist is a {@link TrainingException}.
 * </ul>
 *
 * @param steps training lines in step order, each step once
 * @param evals per validation set (in order of first appearance), its points in step order
 * @param tasks per task metric scored in [0, 1] (accuracies and exact match), named {@code "TASK
 *     METRIC"} in order of first appearance, its points in step order (the value as {@link
 *     Eval#loss()}), by the same rules as {@code evals}
 */
record MetricsLog(List<Step> steps, Map<String, List<Eval>> evals, Map<String, List<Eval>> tasks) {
  MetricsLog {
    steps = List.copyOf(steps);
    evals = copy(evals);
    tasks = copy(tasks);
  }

  private static Map<String, List<Eval>> copy(Map<String, List<Eval>> series) {
    Map<String, List<Eval>> copy = new LinkedHashMap<>();
    series.forEach((name, points) -> copy.put(name, List.copyOf(points)));
    return Collections.unmodifiableMap(copy);
  }

  /** Whether a task metric is a fraction in [0, 1], drawn on the tasks plot. */
  static boolean isFraction(String metric) {
    return metric.startsWith("acc") || metric.equals("exact_match");
  }

  /** One training line. {@code loss} and {@code lr} are NaN where the line had no finite value. */
  record Step(long step, long tokens, double lr, double loss, boolean skipped) {
    /** Whether this step has a loss to plot: not skipped and finite. */
    boolean hasLoss() {
      return !skipped && Double.isFinite(loss);
    }
  }

  /** One validation loss of one set. */
  record Eval(long step, long tokens, double loss) {}

  /** The largest token count of any line (0 when there are none). */
  long maxTokens() {
    long max = steps.isEmpty() ? 0 : steps.getLast().tokens();
    for (List<Eval> points : evals.values()) {
      for (Eval e : points) {
        max = Math.max(max, e.tokens());
      }
    }
    return max;
  }

  /** Reads {@code file} (which must exist) into points. */
  static MetricsLog read(Path file) {
    if (!Files.exists(file)) {
      throw new TrainingException("no metrics to plot: " + file + " does not exist");
    }
    return of(MetricsFile.read(file));
  }

  /** The points of {@code records}, in file order. */
  static MetricsLog of(List<MetricsRecord> records) {
    TreeMap<Long, Step> steps = new TreeMap<>();
    Map<String, TreeMap<Long, Eval>> evals = new LinkedHashMap<>();
    Map<String, TreeMap<Long, Eval>> tasks = new LinkedHashMap<>();
    for (MetricsRecord r : records) {
      switch (r) {
        case TrainingStep s -> steps.put(s.step(), new Step(s.step(), s.tokens(), s.lr(), s.loss(), s.skipped()));
        case Evaluation e -> e.losses().forEach((name, loss) -> put(evals, name, new Eval(e.step(), e.tokens(), loss)));
        case MetricsRecord.TaskScores t -> t.tasks().forEach((task, scores) -> scores.forEach((metric, v) -> {
          if (isFraction(metric)) {
            put(tasks, task + " " + metric, new Eval(t.step(), t.tokens(), v));
          }
        }));
      }
    }
    return new MetricsLog(new ArrayList<>(steps.values()), lists(evals), lists(tasks));
  }

  /** Adds {@code point} to the series {@code name}; a non-finite value removes its step's point. */
  private static void put(Map<String, TreeMap<Long, Eval>> series, String name, Eval point) {
    TreeMap<Long, Eval> points = series.computeIfAbsent(name, k -> new TreeMap<>());
    if (Double.isFinite(point.loss())) {
      points.put(point.step(), point);
    } else {
      points.remove(point.step()); // a resumed run's non-finite value replaces an earlier finite one
    }
  }

  private static Map<String, List<Eval>> lists(Map<String, TreeMap<Long, Eval>> series) {
    Map<String, List<Eval>> lists = new LinkedHashMap<>();
    series.forEach((name, points) -> lists.put(name, new ArrayList<>(points.values())));
    return lists;
  }
}
