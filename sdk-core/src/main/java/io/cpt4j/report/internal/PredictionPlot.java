package io.cpt4j.report.internal;

import io.cpt4j.eval.EvalPoint;
import io.cpt4j.eval.ValidationCurve;
import io.cpt4j.plan.CurvePrediction;
import io.cpt4j.plan.LrAreas;
import io.cpt4j.train.TrainingException;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws {@code plots/prediction} (PNG and SVG, as {@link RunPlots} draws its charts, steps on the x
 * axis): per validation set, in the colours {@link RunPlots} gives the sets, its evaluations (line
 * with markers), the LR-annealing law of its latest {@link CurvePrediction} from its first fitted
 * step to the run's last (dashed), and at the last step the predicted loss with its interval (three
 * markers on a vertical line: lower end, prediction, upper end). Written under temporary names and
 * renamed. Stateless.
 */
public final class PredictionPlot {
  /** Most points drawn of a fitted law. */
  static final int LAW_POINTS = 300;

  private PredictionPlot() {}

  /**
   * Writes {@code prediction.png} and {@code prediction.svg} into {@code plotsDir}, creating it.
   *
   * @param curves the validation curves, in set order
   * @param latest per set with one, the latest prediction
   * @param areas the areas of the run's schedule the predictions were fitted with
   * @return the files written
   * @throws TrainingException if a file cannot be written
   */
  public static List<Path> write(List<ValidationCurve> curves, Map<String, CurvePrediction> latest, LrAreas areas,
      Path plotsDir) {
    RunPlots.ensureHeadless();
    List<RunPlots.Line> lines = new ArrayList<>();
    int i = 0;
    for (ValidationCurve curve : curves) {
      Color colour = RunPlots.SETS[i++ % RunPlots.SETS.length];
      List<EvalPoint> points = curve.points();
      lines.add(new RunPlots.Line(curve.name(), points.stream().mapToDouble(EvalPoint::step).toArray(),
          points.stream().mapToDouble(EvalPoint::loss).toArray(), colour, 1.5f, false, true));
      CurvePrediction p = latest.get(curve.name());
      if (p != null) {
        lines.add(law(curve, p, areas, colour));
        double x = p.targetStep();
        lines.add(new RunPlots.Line(String.format(Locale.ROOT, "%s predicted: %.4f (%.4f .. %.4f)", curve.name(),
            p.loss(), p.lower(), p.upper()), new double[] {x, x, x}, new double[] {p.lower(), p.loss(), p.upper()},
            colour, 2.5f, false, true));
      }
    }
    String title = String.format(Locale.ROOT, "Predicted final loss (LR-annealing law, %.0f%% interval)",
        100 * CurvePrediction.LEVEL);
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(plotsDir);
      RunPlots.save(RunPlots.chart(title, "step", "loss (nats per token)", lines), plotsDir, "prediction", written);
    } catch (IOException e) {
      throw new TrainingException("cannot write the prediction plot to " + plotsDir + ": " + e.getMessage(), e);
    }
    return List.copyOf(written);
  }

  /** The fitted law from the first step it was fitted at to the last step, dashed. */
  private static RunPlots.Line law(ValidationCurve curve, CurvePrediction p, LrAreas areas, Color colour) {
    long from = curve.points().stream().mapToLong(EvalPoint::step).filter(s -> s > areas.peakStep()).findFirst()
        .orElse(p.step());
    long to = p.targetStep();
    int n = (int) Math.min(LAW_POINTS, to - from + 1);
    double[] x = new double[n];
    double[] y = new double[n];
    for (int k = 0; k < n; k++) {
      long step = n == 1 ? to : from + Math.round((double) k * (to - from) / (n - 1));
      x[k] = step;
      y[k] = p.law().loss(areas, step);
    }
    return new RunPlots.Line(curve.name() + " law fitted up to step " + p.step(), x, y, colour, 1.5f, true, false);
  }
}
