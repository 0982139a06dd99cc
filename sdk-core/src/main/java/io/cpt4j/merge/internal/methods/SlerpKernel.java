package io.cpt4j.merge.internal.methods;

import io.cpt4j.merge.MergeMethod;

/**
 * Spherical linear interpolation of one tensor between the base ({@code a}, {@code t = 0}) and the
 * model ({@code b}, {@code t = 1}), following mergekit's {@code slerp}: the whole tensor is one
 * vector; the angle comes from the normalised vectors (a vector whose norm is at most {@link #EPS}
 * is left unnormalised), and the originals are interpolated. When {@code |cos| >} {@link
 * MergeMethod.Slerp#DOT_THRESHOLD} the tensors are linearly interpolated instead.
 *
 * <p>Two phases, so a tensor can be processed in chunks of any size and order: {@link Stats}
 * accumulates {@code a·b}, {@code |a|²} and {@code |b|²} (in double) over the chunks, partial
 * statistics merge with {@link Stats#merge}, {@link #coefficients} turns them into the two scalars of
 * {@code out = ca·a + cb·b}, and {@link #apply} computes any element range. Zero or identical
 * tensors never give NaN (zero: {@code cos = 0}, a quarter turn; identical: the lerp path).
 *
 * <p>Stateless; a {@link Stats} is not thread-safe (give each thread its own and merge them).
 */
final class SlerpKernel {
  /** mergekit's {@code eps}: a vector with a norm at most this is not normalised. */
  static final double EPS = 1e-8;

  private SlerpKernel() {}

  /** Sums over a tensor of {@code a·b}, {@code |a|²} and {@code |b|²}, in double. */
  static final class Stats {
    double dot;
    double aa;
    double bb;

    /** Adds elements {@code 0..len-1} of the chunk {@code a}, {@code b}. */
    void add(float[] a, float[] b, int len) {
      double d0 = 0, d1 = 0, a0 = 0, a1 = 0, b0 = 0, b1 = 0;
      int i = 0;
      for (; i + 1 < len; i += 2) {
        double x0 = a[i], y0 = b[i], x1 = a[i + 1], y1 = b[i + 1];
        d0 += x0 * y0;
        a0 += x0 * x0;
        b0 += y0 * y0;
        d1 += x1 * y1;
        a1 += x1 * x1;
        b1 += y1 * y1;
      }
      if (i < len) {
        double x = a[i], y = b[i];
        d0 += x * y;
        a0 += x * x;
        b0 += y * y;
      }
      dot += d0 + d1;
      aa += a0 + a1;
      bb += b0 + b1;
    }

    /** Adds the statistics of other chunks of the same tensor. */
    void merge(Stats other) {
      dot += other.dot;
      aa += other.aa;
      bb += other.bb;
    }

    /** The cosine as mergekit computes it: of the normalised vectors, unnormalised below {@link #EPS}. */
    double cos() {
      double na = Math.sqrt(aa);
      double nb = Math.sqrt(bb);
      return dot / (na > EPS ? na : 1) / (nb > EPS ? nb : 1);
    }
  }

  /** {@code out = ca·a + cb·b}; {@code lerp} tells which path gave them. */
  record Coefficients(double ca, double cb, boolean lerp) {}

  /**
   * The interpolation coefficients at position {@code t} (values outside [0, 1] extrapolate). At
   * {@code t = 0} they are exactly (1, 0), at {@code t = 1} exactly (0, 1).
   */
  static Coefficients coefficients(Stats s, double t) {
    double dot = s.cos();
    if (Math.abs(dot) > MergeMethod.Slerp.DOT_THRESHOLD) {
      return new Coefficients(1 - t, t, true);
    }
    double theta0 = Math.acos(dot);
    double sin0 = Math.sin(theta0); // ≥ 0.0316 since |dot| ≤ 0.9995
    double thetaT = theta0 * t;
    return new Coefficients(Math.sin(theta0 - thetaT) / sin0, Math.sin(thetaT) / sin0, false);
  }

  /** Writes {@code out[i] = ca·a[i] + cb·b[i]} for {@code i < len}, computed in double and rounded once. */
  static void apply(Coefficients c, float[] a, float[] b, float[] out, int len) {
    double ca = c.ca();
    double cb = c.cb();
    for (int i = 0; i < len; i++) {
      out[i] = (float) (ca * a[i] + cb * b[i]);
    }
  }
}
