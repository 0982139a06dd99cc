package io.cpt4j.plan;

import io.cpt4j.eval.ValidationCurve;
import io.cpt4j.spi.Providers;
import java.util.Locale;
import java.util.Objects;

/**
 * A validation set's loss at the end of a run, predicted from the evaluations so far by fitting the
 * {@link AnnealingLaw} (Tissue et al. 2024) to its curve, with a prediction interval.
 *
 * <pre>{@code
 * LrAreas areas = LrAreas.of(step -> schedule.lr(step, 10_000), 10_000);   // once per run
 * CurvePrediction p = CurvePrediction.fit(curve, areas);   // curve: the evaluations up to now
 * p.loss();                 // predicted loss after step 10,000
 * p.lower(); p.upper();     // 90 % prediction interval
 * }</pre>
 *
 * <p><b>Fit.</b> The evaluations after the warmup ({@link LrAreas#peakStep()}) and up to the target
 * step are fitted by least squares on the loss: Levenberg-Marquardt over {@code ln L0, ln A, ln
 * alpha, ln C} (so all stay positive) from several starts (alpha 0.1 to 1.5, the other three from a
 * linear least-squares solve at that alpha), keeping the lowest sum of squares. At least {@value
 * #MIN_POINTS} evaluations (the law's 4 parameters + 1) are needed. When none of the fitted
 * evaluations has seen the learning rate fall ({@code S2 = 0} at all of them) C is not fitted: it is
 * 0 if the run never anneals, and the fit is refused if it will, since nothing yet says how much the
 * anneal will lower the loss (a warmup-stable-decay run is predicted once its decay has begun). A
 * fit that predicts a loss of 0 or less is refused too: the curve does not follow the law.
 *
 * <p><b>Interval.</b> A residual bootstrap (Davison and Hinkley 1997, prediction intervals for
 * regression): {@value #BOOTSTRAP_RESAMPLES} curves are made of the fitted values plus residuals
 * drawn with replacement (centred and scaled by {@code sqrt(n / (n - 4))}), each refitted from the
 * best fit; each refit's loss at the target step, plus one more drawn residual (the final
 * evaluation's own scatter), is a draw of the prediction, and {@code lower} / {@code upper} are the
 * 5 % and 95 % quantiles of the draws (widened to hold {@code loss} should it fall outside, and
 * cut at 0). Resampling uses a fixed seed, so equal inputs give equal
 * predictions. The interval reflects the scatter of the curve around the law, not a curve that
 * leaves the law later (a stability gap, a change of data): docs/planning-curves.md measures how
 * often real runs end inside it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param set the validation set's name
 * @param step the step of the last evaluation fitted: the prediction is made with what was known then
 * @param targetStep the step predicted, the run's last
 * @param points the evaluations fitted
 * @param loss the predicted loss after {@code targetStep} steps
 * @param lower the interval's lower end, at most {@code loss}
 * @param upper the interval's upper end, at least {@code loss}
 * @param law the fitted law
 * @param rmse root-mean-square residual of the fit, in nats
 */
public record CurvePrediction(String set, long step, long targetStep, int points, double loss, double lower,
    double upper, AnnealingLaw law, double rmse) {
  /** The fewest evaluations a prediction is made from: the law's four parameters plus one. */
  public static final int MIN_POINTS = 5;

  /** Bootstrap resamples behind the interval. */
  public static final int BOOTSTRAP_RESAMPLES = 200;

  /** The interval's coverage: 90 %, from the 5 % to the 95 % quantile. */
  public static final double LEVEL = 0.9;

  public CurvePrediction {
    Objects.requireNonNull(set, "set");
    Objects.requireNonNull(law, "law");
    if (step < 1 || targetStep < step) {
      throw new IllegalArgumentException("need 1 <= step <= targetStep, got step " + step + ", target " + targetStep);
    }
    if (points < 1) {
      throw new IllegalArgumentException("points must be >= 1, got " + points);
    }
    if (!Double.isFinite(loss) || !(lower <= loss && loss <= upper) || Double.isInfinite(lower)
        || Double.isInfinite(upper) || !(rmse >= 0)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "'%s': need finite lower <= loss <= upper and rmse >= 0, got %s <= %s <= %s, rmse %s", set, lower, loss, upper,
          rmse));
    }
  }

  /**
   * The prediction of {@code curve}'s loss at the last step of the run whose schedule has the
   * areas {@code areas} ({@link LrAreas#totalSteps()}), from the evaluations of {@code curve}
   * (those after that step are ignored); compute the areas once per run.
   *
   * @throws PlanException if fewer than {@value #MIN_POINTS} evaluations are after the warmup, if
   *     the learning rate has not yet fallen but will, if no start of the fit converges, or if the
   *     fit predicts a loss of 0 or less
   */
  public static CurvePrediction fit(ValidationCurve curve, LrAreas areas) {
    return Providers.plan().predict(Objects.requireNonNull(curve, "curve"), Objects.requireNonNull(areas, "areas"));
  }

  /** {@code loss - actual}: positive when the prediction was too high. */
  public double error(double actual) {
    return loss - actual;
  }

  /** Whether {@code actual} lies in the interval. */
  public boolean covers(double actual) {
    return lower <= actual && actual <= upper;
  }

  /**
   * One line, e.g. {@code code: 2.3141 at step 100 (90% interval 2.2950 .. 2.3390), from 8
   * evaluations up to step 60; L = ...}.
   */
  public String describe() {
    return String.format(Locale.ROOT, "%s: %.4f at step %d (%.0f%% interval %.4f .. %.4f), from %d evaluations up to"
        + " step %d, RMSE %.4f; %s", set, loss, targetStep, 100 * LEVEL, lower, upper, points, step, rmse, law.describe());
  }
}
