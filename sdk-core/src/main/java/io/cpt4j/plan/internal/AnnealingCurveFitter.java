package io.cpt4j.plan.internal;

import io.cpt4j.eval.EvalPoint;
import io.cpt4j.eval.ValidationCurve;
import io.cpt4j.plan.AnnealingLaw;
import io.cpt4j.plan.CurvePrediction;
import io.cpt4j.plan.LrAreas;
import io.cpt4j.plan.PlanException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.exception.MathIllegalStateException;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresBuilder;
import org.apache.commons.math3.fitting.leastsquares.LevenbergMarquardtOptimizer;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.linear.SingularMatrixException;
import org.apache.commons.math3.util.Pair;

/**
 * Fits the {@link AnnealingLaw} to a validation curve and predicts its final loss with a bootstrap
 * interval, as {@link CurvePrediction} documents: Levenberg-Marquardt (Commons Math) over {@code p =
 * [ln L0, ln A, ln alpha, ln C]} with the analytic Jacobian, from one start per alpha in {@link
 * #ALPHAS} (L0, A, C from linear least squares at that alpha, clamped positive), then {@value
 * CurvePrediction#BOOTSTRAP_RESAMPLES} residual-bootstrap refits from the best point. Stateless.
 */
final class AnnealingCurveFitter {
  private AnnealingCurveFitter() {}

  static final double[] ALPHAS = {0.1, 0.3, 0.6, 1.0, 1.5};
  private static final long SEED = 0x5EED_C0_17L;
  /** ln-parameters are clamped to this magnitude inside the model, so exp never overflows. */
  private static final double MAX_LN = 40;

  static CurvePrediction predict(ValidationCurve curve, LrAreas areas) {
    long target = areas.totalSteps();
    List<EvalPoint> used = new ArrayList<>();
    for (EvalPoint p : curve.points()) {
      if (p.step() > areas.peakStep() && p.step() <= target && areas.s1(p.step()) > 0) {
        used.add(p);
      }
    }
    if (used.size() < CurvePrediction.MIN_POINTS) {
      throw new PlanException("validation set '" + curve.name() + "': " + used.size() + " evaluation(s) after the "
          + "warmup (step " + areas.peakStep() + ") and the law has 4 parameters: a prediction needs at least "
          + CurvePrediction.MIN_POINTS);
    }
    int n = used.size();
    double[] s1 = new double[n];
    double[] s2 = new double[n];
    double[] y = new double[n];
    boolean annealed = false;
    for (int i = 0; i < n; i++) {
      long step = used.get(i).step();
      s1[i] = areas.s1(step);
      s2[i] = areas.s2(step);
      y[i] = used.get(i).loss();
      annealed |= s2[i] != 0;
    }
    long last = used.getLast().step();
    if (!annealed && areas.s2(target) != 0) {
      throw new PlanException("validation set '" + curve.name() + "': the learning rate has not fallen by step " + last
          + " but will before step " + target + ", and nothing yet says how much that anneal will lower the loss;"
          + " predictions start once the decay has begun");
    }
    Model model = new Model(s1, s2, annealed);
    double[] best = fitFromStarts(model, y);
    if (best == null) {
      throw new PlanException("validation set '" + curve.name() + "': no start of the fit converged (" + n
          + " evaluations up to step " + last + ")");
    }
    double[] fitted = model.values(best);
    double sse = sse(fitted, y);
    double bestAlpha = Math.exp(best[2]);
    double s1End = areas.s1(target);
    double s2End = areas.s2(target);
    double loss = model.at(best, s1End, s2End);
    if (!(loss > 0)) {
      throw new PlanException(String.format(java.util.Locale.ROOT, "validation set '%s': the law fitted to %d evaluations"
          + " up to step %d predicts a final loss of %.4g, which no model reaches: the curve does not follow the law"
          + " (yet)", curve.name(), n, last, loss));
    }
    double[] draws = bootstrap(model, y, fitted, best, bestAlpha, s1End, s2End);
    double lower = loss;
    double upper = loss;
    if (draws.length > 0) {
      lower = Math.max(0, Math.min(loss, quantile(draws, (1 - CurvePrediction.LEVEL) / 2))); // a loss is >= 0
      upper = Math.max(loss, quantile(draws, 1 - (1 - CurvePrediction.LEVEL) / 2));
    }
    // C at its clamp (ln C = -40) means the fit wants no annealing term: report it as 0
    double c = annealed && best[3] > -MAX_LN + 1 ? Math.exp(best[3]) : 0;
    AnnealingLaw law = new AnnealingLaw(Math.exp(best[0]), Math.exp(best[1]), Math.exp(best[2]), c, areas.decay());
    return new CurvePrediction(curve.name(), last, target, n, loss, lower, upper, law, Math.sqrt(sse / n));
  }

  /** The lowest-SSE fit over the starts, or null if none converged. */
  static double[] fitFromStarts(Model model, double[] y) {
    double bestSse = Double.POSITIVE_INFINITY;
    double[] best = null;
    for (double alpha : ALPHAS) {
      double[] p = refine(model, y, start(model, y, alpha), 1_000);
      if (p != null) {
        double sse = sse(model.values(p), y);
        if (sse < bestSse) {
          bestSse = sse;
          best = p;
        }
      }
    }
    return best;
  }

  /** Levenberg-Marquardt from {@code start}; null if it fails or ends at a non-finite point. */
  static double[] refine(Model model, double[] y, double[] start, int maxIterations) {
    try {
      double[] p = new LevenbergMarquardtOptimizer().optimize(new LeastSquaresBuilder()
          .start(start).target(y).model(model::evaluate)
          .maxEvaluations(10 * maxIterations).maxIterations(maxIterations).lazyEvaluation(false).build())
          .getPoint().toArray();
      for (int j = 0; j < p.length; j++) {
        p[j] = Math.clamp(p[j], -MAX_LN, MAX_LN);
      }
      return Double.isFinite(sse(model.values(p), y)) ? p : null;
    } catch (MathIllegalStateException | IllegalArgumentException | ArithmeticException e) {
      return null; // diverged or hit the limit: other starts (or resamples) decide
    }
  }

  /** ln-parameters from linear least squares in (L0, A, C) at a fixed alpha, each clamped positive. */
  private static double[] start(Model model, double[] y, double alpha) {
    int n = y.length;
    int k = model.withC ? 3 : 2;
    double[][] x = new double[n][k];
    double meanPow = 0;
    double maxS2 = 0;
    for (int i = 0; i < n; i++) {
      x[i][0] = 1;
      x[i][1] = Math.pow(model.s1[i], -alpha);
      meanPow += x[i][1] / n;
      if (model.withC) {
        x[i][2] = -model.s2[i];
        maxS2 = Math.max(maxS2, Math.abs(model.s2[i]));
      }
    }
    double min = Arrays.stream(y).min().orElseThrow();
    double range = Math.max(Arrays.stream(y).max().orElseThrow() - min, 1e-3 * Math.max(min, 1e-3));
    double[] coef = new double[k];
    try {
      coef = new QRDecomposition(new Array2DRowRealMatrix(x, false)).getSolver().solve(new ArrayRealVector(y, false))
          .toArray();
    } catch (SingularMatrixException e) {
      // every evaluation at one S1^-alpha (or S2): the fallbacks below give the start
    }
    double l0 = coef[0] > 0 ? coef[0] : Math.max(0.5 * min, 1e-6);
    double a = coef[1] > 0 ? coef[1] : range / meanPow;
    double[] p = {Math.log(l0), Math.log(a), Math.log(alpha)};
    if (model.withC) {
      double c = coef[2] > 0 ? coef[2] : 0.01 * range / Math.max(maxS2, 1e-12);
      p = new double[] {p[0], p[1], p[2], Math.log(c)};
    }
    for (int j = 0; j < p.length; j++) {
      p[j] = Math.clamp(p[j], -MAX_LN, MAX_LN);
    }
    return p;
  }

  /**
   * Prediction draws: refits of the fitted values plus resampled residuals, each refit's value at
   * the target plus one more resampled residual. Refits that fail are left out.
   */
  static double[] bootstrap(Model model, double[] y, double[] fitted, double[] best, double bestAlpha, double s1End,
      double s2End) {
    int n = y.length;
    double[] residuals = new double[n];
    double mean = 0;
    for (int i = 0; i < n; i++) {
      residuals[i] = y[i] - fitted[i];
      mean += residuals[i] / n;
    }
    double scale = Math.sqrt((double) n / Math.max(1, n - best.length));
    for (int i = 0; i < n; i++) {
      residuals[i] = (residuals[i] - mean) * scale;
    }
    SplittableRandom random = new SplittableRandom(SEED);
    double[] draws = new double[CurvePrediction.BOOTSTRAP_RESAMPLES];
    int kept = 0;
    double[] resample = new double[n];
    for (int b = 0; b < draws.length; b++) {
      for (int i = 0; i < n; i++) {
        resample[i] = fitted[i] + residuals[random.nextInt(n)];
      }
      double noise = residuals[random.nextInt(n)];
      double[] p = refine(model, resample, best, 200);
      // a second start at the best alpha, as the fit's own, for a parameter the best fit left at its bound
      double[] q = refine(model, resample, start(model, resample, bestAlpha), 200);
      if (q != null && (p == null || sse(model.values(q), resample) < sse(model.values(p), resample))) {
        p = q;
      }
      if (p != null) {
        double v = model.at(p, s1End, s2End) + noise;
        if (Double.isFinite(v)) {
          draws[kept++] = v;
        }
      }
    }
    double[] out = Arrays.copyOf(draws, kept);
    Arrays.sort(out);
    return out;
  }

  /** The q-quantile of sorted values, interpolating linearly between order statistics. */
  static double quantile(double[] sorted, double q) {
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  private static double sse(double[] values, double[] y) {
    double s = 0;
    for (int i = 0; i < y.length; i++) {
      double d = y[i] - values[i];
      s += d * d;
    }
    return s;
  }

  /** {@code L0 + A S1^-alpha - C S2} at the fitted points, in ln-parameters (C absent when not fitted). */
  record Model(double[] s1, double[] s2, boolean withC) {
    double at(double[] p, double s1v, double s2v) {
      double v = exp(p[0]) + exp(p[1]) * Math.pow(s1v, -exp(p[2]));
      return withC ? v - exp(p[3]) * s2v : v;
    }

    double[] values(double[] p) {
      double[] v = new double[s1.length];
      for (int i = 0; i < v.length; i++) {
        v[i] = at(p, s1[i], s2[i]);
      }
      return v;
    }

    /** Values and the analytic Jacobian with respect to the ln-parameters. */
    Pair<RealVector, RealMatrix> evaluate(RealVector point) {
      double[] p = point.toArray();
      int n = s1.length;
      double[] v = new double[n];
      double[][] jac = new double[n][p.length];
      double a = exp(p[1]);
      double alpha = exp(p[2]);
      for (int i = 0; i < n; i++) {
        double power = a * Math.pow(s1[i], -alpha);
        jac[i][0] = exp(p[0]);
        jac[i][1] = power;
        jac[i][2] = -power * Math.log(s1[i]) * alpha;
        v[i] = jac[i][0] + power;
        if (withC) {
          jac[i][3] = -exp(p[3]) * s2[i];
          v[i] += jac[i][3];
        }
      }
      return new Pair<>(new ArrayRealVector(v, false), new Array2DRowRealMatrix(jac, false));
    }

    private static double exp(double lnValue) {
      return Math.exp(Math.clamp(lnValue, -MAX_LN, MAX_LN));
    }
  }
}
