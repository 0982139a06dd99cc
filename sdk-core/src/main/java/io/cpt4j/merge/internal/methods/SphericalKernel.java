package io.cpt4j.merge.internal.methods;

import io.cpt4j.merge.MergeException;

/**
 * The spherical methods (nuslerp, multislerp, karcher) reduced to their coefficients. Each result is
 * a combination {@code Σ cₖ·yₖ} of its inputs {@code yₖ} (the models, or their task vectors), so
 * every quantity the published formulas use (norms, cosines, the iterates of the Karcher mean) is a
 * function of the inputs' Gram matrix {@code G[k][l] = yₖ·yₗ}, accumulated in double in one pass
 * ({@link SphericalMerge}); the iteration then runs on N coefficients instead of N tensors, and the
 * output is written in a second pass. Computed in double throughout.
 *
 * <p>A Gram matrix is given as its upper triangle, row by row ({@link #at}). Stateless.
 */
final class SphericalKernel {
  private SphericalKernel() {}

  /** Index of {@code G[k][l]} in the packed upper triangle of an {@code n×n} Gram matrix. */
  static int at(int n, int k, int l) {
    int i = Math.min(k, l);
    int j = Math.max(k, l);
    return i * n - i * (i - 1) / 2 + (j - i);
  }

  /** Length of the packed upper triangle of an {@code n×n} matrix. */
  static int packed(int n) {
    return n * (n + 1) / 2;
  }

  /** {@code aᵀ·G·b} for coefficient vectors over the inputs. */
  static double form(double[] g, int n, double[] a, double[] b) {
    double s = 0;
    for (int k = 0; k < n; k++) {
      for (int l = 0; l < n; l++) {
        s += a[k] * g[at(n, k, l)] * b[l];
      }
    }
    return s;
  }

  /**
   * mergekit's {@code nuslerp(t, v0, v1)}: the cosine of the vectors normalised by their norms
   * clamped below at 1e-7; {@code (sin((1−t)θ)·v0 + sin(tθ)·v1) / sin θ}, or {@code (1−t)·v0 + t·v1}
   * where {@code |sin θ| < 1e-8}. {@code t = 0} gives exactly (1, 0), {@code t = 1} exactly (0, 1).
   *
   * @param g the packed 2×2 Gram matrix of {@code v0, v1}
   */
  static double[] nuslerp(double[] g, double t) {
    double n0 = Math.max(Math.sqrt(g[at(2, 0, 0)]), 1e-7);
    double n1 = Math.max(Math.sqrt(g[at(2, 1, 1)]), 1e-7);
    double theta = Math.acos(Math.clamp(g[at(2, 0, 1)] / n0 / n1, -1.0, 1.0));
    double sin = Math.sin(theta);
    if (Math.abs(sin) < 1e-8) {
      return new double[] {1 - t, t};
    }
    return new double[] {Math.sin((1 - t) * theta) / sin, Math.sin(t * theta) / sin};
  }

  /** nuslerp's position from the two models' weights: {@code w₂ / (w₁ + w₂)}, 0.5 when they sum to within 1e-6 of 0. */
  static double nuslerpT(double w0, double w1) {
    return Math.abs(w0 + w1) < 1e-6 ? 0.5 : w1 / (w0 + w1);
  }

  /**
   * mergekit's {@code multislerp}: unit vectors {@code uₖ = yₖ/(|yₖ| + eps)}, their weighted mean
   * {@code m} normalised, the weighted mean of their tangent vectors {@code uₖ − (uₖ·m)·m} mapped back
   * with the exponential map ({@code m·cos|τ| + τ·sin|τ|/|τ|}, {@code |τ|} plus eps), scaled by {@code
   * Σ wₖ|yₖ|}. One input gives that input; a mean of norm below eps gives {@code w₀y₀ + w₁y₁} for two
   * inputs and is an error for more.
   *
   * @param w the weights, already normalised when the method normalises them
   * @param tensor the tensor's name, for the error
   */
  static double[] multislerp(double[] g, double[] w, double eps, String tensor) {
    int n = w.length;
    if (n == 1) {
      return new double[] {1};
    }
    double[] a = new double[n]; // the weighted mean of the unit vectors, over the inputs
    double avgNorm = 0;
    for (int k = 0; k < n; k++) {
      double norm = Math.sqrt(g[at(n, k, k)]);
      a[k] = norm + eps == 0 ? 0 : w[k] / (norm + eps);
      avgNorm += w[k] * norm;
    }
    double meanNorm = Math.sqrt(Math.max(0, form(g, n, a, a)));
    if (meanNorm < eps || meanNorm == 0) {
      if (n == 2) {
        return w.clone();
      }
      throw new MergeException("multislerp of " + tensor + ": the weighted mean of the models' directions is zero "
          + "(antipodal models whose weights balance out); give them different weights");
    }
    // Σ wₖ(uₖ·m) with m = Σ aₖyₖ / |Σ aₖyₖ|; the weighted tangent sum is (|Σ aₖyₖ| − that)·m
    double along = 0;
    for (int k = 0; k < n; k++) {
      double norm = Math.sqrt(g[at(n, k, k)]);
      double gk = 0;
      for (int l = 0; l < n; l++) {
        gk += g[at(n, k, l)] * a[l];
      }
      along += norm + eps == 0 ? 0 : w[k] * gk / ((norm + eps) * meanNorm);
    }
    double tangent = meanNorm - along;
    double tangentNorm = Math.abs(tangent) + eps;
    double onMean = Math.cos(tangentNorm) + (tangentNorm == 0 ? 0 : tangent * Math.sin(tangentNorm) / tangentNorm);
    double[] c = new double[n];
    for (int k = 0; k < n; k++) {
      c[k] = avgNorm * onMean * a[k] / meanNorm;
    }
    return c;
  }

  /**
   * mergekit's {@code karcher_merge_tensors} with equal weights {@code 1/N}: inputs of norm at most
   * {@code tol} are left out of the direction (all of them: the result is zero); the mean direction
   * starts at the normalised mean of the unit vectors (the first one if that is shorter than tol) and
   * takes at most {@code maxIter} steps {@code u ← cos|T|·u + sin|T|·T/|T|}, {@code T = Σ αₖ·θₖ/sin θₖ
   * ·(uₖ − cos θₖ·u)} over the inputs at an angle of at least tol, renormalised, stopping when {@code
   * |T| < tol}; the result is {@code u} times the mean of all the norms.
   */
  static double[] karcher(double[] g, int n, long maxIter, double tol) {
    if (n == 1) {
      return new double[] {1};
    }
    double[] norm = new double[n];
    int valid = 0;
    for (int k = 0; k < n; k++) {
      norm[k] = Math.sqrt(g[at(n, k, k)]);
      valid += norm[k] > tol ? 1 : 0;
    }
    double[] u = new double[n];
    if (valid == 0) {
      return u;
    }
    double alpha = 1.0 / valid;
    for (int k = 0; k < n; k++) {
      u[k] = norm[k] > tol ? alpha / norm[k] : 0;
    }
    double un = Math.sqrt(Math.max(0, form(g, n, u, u)));
    if (un < tol) {
      java.util.Arrays.fill(u, 0);
      for (int k = 0; k < n; k++) {
        if (norm[k] > tol) {
          u[k] = 1 / norm[k];
          break;
        }
      }
    } else {
      scale(u, 1 / un);
    }
    double[] step = new double[n];
    for (long it = 0; it < maxIter; it++) {
      java.util.Arrays.fill(step, 0);
      for (int k = 0; k < n; k++) {
        if (!(norm[k] > tol)) {
          continue;
        }
        double gu = 0;
        for (int l = 0; l < n; l++) {
          gu += g[at(n, k, l)] * u[l];
        }
        double cos = Math.clamp(gu / norm[k], -1.0, 1.0);
        double theta = Math.acos(cos);
        if (theta < tol) {
          continue;
        }
        double f = alpha * theta / Math.sin(theta);
        for (int l = 0; l < n; l++) {
          step[l] -= f * cos * u[l];
        }
        step[k] += f / norm[k];
      }
      double stepNorm = Math.sqrt(Math.max(0, form(g, n, step, step)));
      if (stepNorm < tol) {
        break;
      }
      for (int l = 0; l < n; l++) {
        u[l] = Math.cos(stepNorm) * u[l] + Math.sin(stepNorm) * step[l] / stepNorm;
      }
      un = Math.sqrt(Math.max(0, form(g, n, u, u)));
      if (un > tol) {
        scale(u, 1 / un);
      }
    }
    double meanNorm = 0;
    for (double v : norm) {
      meanNorm += v / n;
    }
    scale(u, meanNorm);
    return u;
  }

  private static void scale(double[] v, double f) {
    for (int i = 0; i < v.length; i++) {
      v[i] *= f;
    }
  }
}
