package io.cpt4j.train.internal;

import io.cpt4j.eval.EvalPoint;
import io.cpt4j.eval.ValidationCurve;
import io.cpt4j.plan.CurvePrediction;
import io.cpt4j.plan.LrAreas;
import io.cpt4j.plan.PlanException;
import io.cpt4j.report.internal.PredictionPlot;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The final-loss predictions of a run ({@link RunConfig#predictFinalLoss()}): at every evaluation
 * before the run's last step, each validation set's curve up to that evaluation is fitted with
 * {@link CurvePrediction} over the areas of the run's schedule (computed once), and the prediction
 * kept. The predictions are a function of the curves, so a resumed run makes those of the
 * evaluations before the resume again, the same; evaluations too early for a prediction (refused)
 * are tried once. They never touch the session, the sampler or the data: training is the same with
 * or without them. Not thread-safe: the training thread owns it.
 */
final class FinalLossPredictions {
  private static final Logger LOG = LoggerFactory.getLogger("io.cpt4j.train");

  private final LrAreas areas;
  private final Map<String, List<CurvePrediction>> made = new LinkedHashMap<>();
  private final Map<String, Set<Long>> tried = new HashMap<>();

  private FinalLossPredictions(LrAreas areas) {
    this.areas = areas;
  }

  /** Predictions for a resolved run; none when it turns them off, has no validation sets or is too long. */
  static FinalLossPredictions of(RunConfig config) {
    if (!config.predictFinalLoss() || config.validation().isEmpty()) {
      return new FinalLossPredictions(null);
    }
    if (config.steps() > LrAreas.MAX_STEPS) {
      LOG.warn("final losses are not predicted: the run has {} steps, more than the {} the schedule's areas hold",
          config.steps(), LrAreas.MAX_STEPS);
      return new FinalLossPredictions(null);
    }
    long steps = config.steps();
    FinalLossPredictions p = new FinalLossPredictions(LrAreas.of(step -> config.schedule().lr(step, steps), steps));
    config.validation().keySet().forEach(set -> p.made.put(set, new ArrayList<>()));
    return p;
  }

  boolean enabled() {
    return areas != null;
  }

  /**
   * Predicts from every evaluation of {@code curves} before the last step not tried yet, and logs
   * the newest prediction of each set if this made any.
   */
  void update(List<ValidationCurve> curves, long step) {
    if (!enabled()) {
      return;
    }
    List<CurvePrediction> latest = new ArrayList<>();
    for (ValidationCurve curve : curves) {
      Set<Long> seen = tried.computeIfAbsent(curve.name(), k -> new HashSet<>());
      List<CurvePrediction> list = made.computeIfAbsent(curve.name(), k -> new ArrayList<>());
      CurvePrediction newest = null;
      List<EvalPoint> points = curve.points();
      for (int i = 1; i < points.size(); i++) {
        long at = points.get(i).step();
        if (at >= areas.totalSteps() || !seen.add(at)) {
          continue;
        }
        try {
          newest = CurvePrediction.fit(new ValidationCurve(curve.name(), points.subList(0, i + 1)), areas);
          list.add(newest);
        } catch (PlanException e) {
          LOG.debug("step {}: no final-loss prediction: {}", at, e.getMessage());
        }
      }
      if (newest != null) {
        latest.add(newest);
      }
    }
    if (!latest.isEmpty()) {
      LOG.info("step {}: final loss predicted at step {}: {}", step, areas.totalSteps(), latest.stream()
          .map(p -> String.format(Locale.ROOT, "%s %.4f (%.4f .. %.4f)", p.set(), p.loss(), p.lower(), p.upper()))
          .collect(Collectors.joining(", ")));
    }
  }

  /** Per set, oldest first; empty when predictions are off. */
  Map<String, List<CurvePrediction>> all() {
    Map<String, List<CurvePrediction>> out = new LinkedHashMap<>();
    made.forEach((set, list) -> out.put(set, List.copyOf(list)));
    return out;
  }

  /** Draws {@code plots/prediction} from the latest predictions; a failure is a warning. */
  void plot(List<ValidationCurve> curves, Path plotsDir) {
    if (!enabled() || made.values().stream().allMatch(List::isEmpty)) {
      return;
    }
    Map<String, CurvePrediction> latest = new LinkedHashMap<>();
    made.forEach((set, list) -> {
      if (!list.isEmpty()) {
        latest.put(set, list.getLast());
      }
    });
    try {
      PredictionPlot.write(curves, latest, areas, plotsDir);
    } catch (TrainingException | IllegalStateException | IllegalArgumentException e) {
      LOG.warn("plot of the predictions not written to {}: {}", plotsDir, e.getMessage());
    }
  }
}
