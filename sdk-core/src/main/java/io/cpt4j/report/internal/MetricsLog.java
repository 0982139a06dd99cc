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
 */
record MetricsLog(List<Step> steps, Map<String, List<Eval>> evals) {
  MetricsLog {
    steps = List.copyOf(steps);
    Map<String, List<Eval>> copy = new LinkedHashMap<>();
    evals.forEach((name, points) -> copy.put(name, List.copyOf(points)));
    evals = Collections.unmodifiableMap(copy);
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
    for (MetricsRecord r : records) {
      switch (r) {
        case TrainingStep s -> steps.put(s.step(), new Step(s.step(), s.tokens(), s.lr(), s.loss(), s.skipped()));
        case Evaluation e -> e.losses().forEach((name, loss) -> {
          TreeMap<Long, Eval> points = evals.computeIfAbsent(name, k -> new TreeMap<>());
          if (Double.isFinite(loss)) {
            points.put(e.step(), new Eval(e.step(), e.tokens(), loss));
          } else {
            points.remove(e.step()); // a resumed run's non-finite value replaces an earlier finite one
          }
        });
        case MetricsRecord.TaskScores t -> { } // not plotted
      }
    }
    Map<String, List<Eval>> lists = new LinkedHashMap<>();
    evals.forEach((name, points) -> lists.put(name, new ArrayList<>(points.values())));
    return new MetricsLog(new ArrayList<>(steps.values()), lists);
  }
}
