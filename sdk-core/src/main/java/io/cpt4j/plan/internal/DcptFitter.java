package io.cpt4j.plan.internal;

import io.cpt4j.plan.MixtureFit;
import io.cpt4j.plan.MixtureLaw;
import io.cpt4j.plan.Observation;
import io.cpt4j.plan.PlanException;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.exception.MathIllegalStateException;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresBuilder;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresOptimizer.Optimum;
import org.apache.commons.math3.fitting.leastsquares.LevenbergMarquardtOptimizer;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.util.Pair;

/**
 * Fits a {@link MixtureLaw} to one validation set's observations by least squares on the loss,
 * Levenberg-Marquardt (Commons Math) over unconstrained parameters that map onto the law's
 * constraints ({@code E, A, alpha, B, beta, C, gamma = exp(p)}, {@code eta = 1 / (1 + exp(-p))}),
 * from a grid of starting points (12, or 24 with a model-size term), keeping the lowest sum of
 * squares. The Jacobian is taken by central differences. Stateless.
 */
final class DcptFitter {
  private DcptFitter() {}

  private static final double[] BETAS = {0.1, 0.3, 0.6};
  private static final double[] GAMMAS = {0.1, 0.5};
  private static final double[] ETAS = {0.3, 0.7};
  private static final double[] ALPHAS = {0.2, 0.5};

  /** One observation as the fit sees it: r (the set's share), D, N, and the loss. */
  private record Point(double r, double d, double n, double loss) {}

  static MixtureFit fit(String set, boolean general, List<Observation> observations, double epsilon) {
    List<Point> points = new ArrayList<>();
    long sizes = observations.stream().mapToLong(Observation::parameters).distinct().count();
    boolean withSize = sizes >= 2;
    for (Observation o : observations) {
      if (withSize && o.parameters() <= 0) {
        throw new PlanException(o.source() + ": the observations span several model sizes, so each needs its "
            + "parameters");
      }
      points.add(new Point(general ? 1 - o.ratio() : o.ratio(), o.tokens(), o.parameters(), o.losses().get(set)));
    }
    int k = withSize ? 8 : 6;
    if (points.size() < k) {
      throw new PlanException("validation set '" + set + "' has " + points.size() + " observation(s) and its law "
          + (withSize ? "(over several model sizes) " : "(one model size) ") + "has " + k + " parameters: add "
          + "pilot runs (different ratios and token counts) until there are at least " + k + ", better twice that");
    }
    double[] y = points.stream().mapToDouble(Point::loss).toArray();
    double best = Double.POSITIVE_INFINITY;
    double[] bestP = null;
    for (double[] start : starts(points, epsilon, withSize)) {
      try {
        Optimum o = new LevenbergMarquardtOptimizer().optimize(new LeastSquaresBuilder()
            .start(start).target(y).model(p -> value(points, p, epsilon, withSize))
            .maxEvaluations(20_000).maxIterations(5_000).lazyEvaluation(false).build());
        double[] p = o.getPoint().toArray();
        double sse = sse(points, p, epsilon, withSize);
        if (Double.isFinite(sse) && sse < best) {
          best = sse;
          bestP = p;
        }
      } catch (MathIllegalStateException | IllegalArgumentException e) {
        // this start diverged or hit the evaluation limit: the others decide
      }
    }
    if (bestP == null) {
      throw new PlanException("validation set '" + set + "': no start of the fit converged");
    }
    MixtureLaw law = law(set, general, bestP, epsilon, withSize);
    double mean = 0;
    for (double v : y) {
      mean += v / y.length;
    }
    double sst = 0;
    double maxRel = 0;
    List<Double> residuals = new ArrayList<>();
    for (int i = 0; i < y.length; i++) {
      Point pt = points.get(i);
      double predicted = law.loss(general ? 1 - pt.r() : pt.r(), pt.d(), pt.n());
      residuals.add(y[i] - predicted);
      sst += (y[i] - mean) * (y[i] - mean);
      maxRel = Math.max(maxRel, Math.abs(y[i] - predicted) / y[i]);
    }
    double r2 = sst == 0 ? (best == 0 ? 1 : 0) : 1 - best / sst;
    return new MixtureFit(law, y.length, r2, Math.sqrt(best / y.length), maxRel, residuals);
  }

  /** p = [ln E, ln B, logit eta, ln beta, ln C, ln gamma (, ln A, ln alpha)]. */
  static MixtureLaw law(String set, boolean general, double[] p, double epsilon, boolean withSize) {
    return new MixtureLaw(set, general, Math.exp(p[0]), withSize ? Math.exp(p[6]) : 0, withSize ? Math.exp(p[7]) : 0,
        Math.exp(p[1]), 1 / (1 + Math.exp(-p[2])), Math.exp(p[3]), Math.exp(p[4]), Math.exp(p[5]), epsilon);
  }

  private static double predict(Point pt, double[] p, double epsilon, boolean withSize) {
    double v = Math.exp(p[0]) + Math.exp(p[1]) * Math.pow(pt.r(), 1 / (1 + Math.exp(-p[2])))
        / Math.pow(pt.d(), Math.exp(p[3])) + Math.exp(p[4]) / Math.pow(pt.r() + epsilon, Math.exp(p[5]));
    return withSize ? v + Math.exp(p[6]) / Math.pow(pt.n(), Math.exp(p[7])) : v;
  }

  private static double sse(List<Point> points, double[] p, double epsilon, boolean withSize) {
    double s = 0;
    for (Point pt : points) {
      double d = pt.loss() - predict(pt, p, epsilon, withSize);
      s += d * d;
    }
    return s;
  }

  /** Values and the central-difference Jacobian at {@code p}. */
  private static Pair<RealVector, org.apache.commons.math3.linear.RealMatrix> value(List<Point> points, RealVector pv,
      double epsilon, boolean withSize) {
    double[] p = pv.toArray();
    int n = points.size();
    double[] v = new double[n];
    double[][] jac = new double[n][p.length];
    for (int i = 0; i < n; i++) {
      v[i] = predict(points.get(i), p, epsilon, withSize);
    }
    for (int j = 0; j < p.length; j++) {
      double h = 1e-6 * Math.max(1, Math.abs(p[j]));
      double keep = p[j];
      for (int i = 0; i < n; i++) {
        p[j] = keep + h;
        double up = predict(points.get(i), p, epsilon, withSize);
        p[j] = keep - h;
        double down = predict(points.get(i), p, epsilon, withSize);
        jac[i][j] = (up - down) / (2 * h);
      }
      p[j] = keep;
    }
    return new Pair<>(new ArrayRealVector(v, false), new Array2DRowRealMatrix(jac, false));
  }

  /** Starting points: exponents from small grids, scales matched to the observed losses. */
  private static List<double[]> starts(List<Point> points, double epsilon, boolean withSize) {
    double min = points.stream().mapToDouble(Point::loss).min().orElseThrow();
    double max = points.stream().mapToDouble(Point::loss).max().orElseThrow();
    double meanD = Math.exp(points.stream().mapToDouble(pt -> Math.log(pt.d())).average().orElseThrow());
    double meanN = withSize ? Math.exp(points.stream().mapToDouble(pt -> Math.log(pt.n())).average().orElseThrow()) : 1;
    List<double[]> out = new ArrayList<>();
    for (double beta : BETAS) {
      for (double gamma : GAMMAS) {
        for (double eta : ETAS) {
          for (double alpha : withSize ? ALPHAS : new double[] {0}) {
            double e = 0.7 * min;
            double c = 0.05 * min * Math.pow(0.5 + epsilon, gamma);
            double spread = Math.max(max - min, 0.05 * min);
            double b = spread * Math.pow(meanD, beta) / Math.pow(0.5, eta);
            double[] p = {Math.log(e), Math.log(b), Math.log(eta / (1 - eta)), Math.log(beta), Math.log(c),
                Math.log(gamma)};
            if (withSize) {
              p = java.util.Arrays.copyOf(p, 8);
              p[6] = Math.log(0.1 * min * Math.pow(meanN, alpha));
              p[7] = Math.log(alpha);
            }
            out.add(p);
          }
        }
      }
    }
    return out;
  }
}
