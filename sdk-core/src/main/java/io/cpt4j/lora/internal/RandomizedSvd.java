package io.cpt4j.lora.internal;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Truncated SVD of a float32 matrix in float64 arithmetic (Halko, Martinsson and Tropp 2011, algorithms
 * 4.4 and 5.1): a Gaussian sketch Y = Δ·Ω of {@code k + oversampling} columns, {@code q} power
 * iterations (Y = Δ·Δᵀ·Y, re-orthonormalised in between), Q = orth(Y), and the exact SVD of the small
 * matrix Qᵀ·Δ by one-sided Jacobi rotations (Hestenes). When the sketch would be as wide as the
 * smaller dimension the range is taken exactly instead (Q = I, or Q = orth(Δ)), so small matrices get
 * the exact SVD.
 *
 * <p>Deterministic: the sketch comes from {@link Random} (its Gaussian algorithm is specified) and
 * every sum runs in a fixed order whatever the thread count, so results are bit-identical across
 * machines. The products parallelise over rows (Δ·X) or over blocks of columns (Δᵀ·Y). Stateless.
 */
final class RandomizedSvd {
  private RandomizedSvd() {}

  /** Columns of Δᵀ·Y computed by one task (their rows of the result stay in the L1 cache). */
  private static final int COLUMN_BLOCK = 16;
  /** Rows of Δ·X computed by one task. */
  private static final int ROW_BLOCK = 32;
  /** Rows of X a task's rows run through before the next (they stay in the L2 cache). */
  private static final int TILE = 256;
  /** Orthogonality the Jacobi sweeps reach: |p·q| ≤ this · ‖p‖‖q‖ for every column pair. */
  private static final double JACOBI_TOLERANCE = 1e-13;
  private static final int MAX_SWEEPS = 100;

  /**
   * Singular triplets, σ descending (zeros last).
   *
   * @param sigma singular values
   * @param u left singular vectors, one array of length m each
   * @param v right singular vectors, one array of length n each
   */
  record Triplets(double[] sigma, double[][] u, double[][] v) {}

  /**
   * The leading singular triplets of the row-major {@code m × n} matrix {@code d}: at least {@code k}
   * of them (fewer only when min(m, n) < k).
   */
  static Triplets leading(float[] d, int m, int n, int k, int oversampling, int powerIterations, long seed) {
    int width = Math.min(k + oversampling, Math.min(m, n));
    double[][] q; // orthonormal basis of (an approximation of) Δ's range, columns of length m
    if (width == m) {
      q = new double[m][m];
      for (int i = 0; i < m; i++) {
        q[i][i] = 1;
      }
    } else if (width == n) {
      q = orthonormal(columns(d, m, n)); // Δ's columns span its range exactly
    } else {
      Random random = new Random(seed);
      double[] omega = new double[n * width]; // n × width, row-major
      for (int i = 0; i < omega.length; i++) {
        omega[i] = random.nextGaussian();
      }
      q = orthonormal(columns(times(d, m, n, omega, width), m, width));
      for (int it = 0; it < powerIterations; it++) {
        double[][] z = orthonormal(columns(transposeTimes(d, m, n, rowMajor(q), q.length), n, q.length));
        q = orthonormal(columns(times(d, m, n, rowMajor(z), z.length), m, z.length));
      }
    }
    // Δᵀ·Q = (Qᵀ·Δ)ᵀ = V_b·Σ·U_bᵀ: Jacobi rotations J orthogonalise its columns, W = (Δᵀ·Q)·J = V_b·Σ, U_b = J.
    double[][] w = columns(transposeTimes(d, m, n, rowMajor(q), q.length), n, q.length);
    double[][] j = jacobi(w);
    int l = w.length;
    double[] norms = new double[l];
    for (int c = 0; c < l; c++) {
      norms[c] = Math.sqrt(dot(w[c], w[c]));
    }
    Integer[] order = IntStream.range(0, l).boxed().toArray(Integer[]::new);
    Arrays.sort(order, (a, b) -> a.equals(b) ? 0 : norms[a] != norms[b] ? Double.compare(norms[b], norms[a])
        : Integer.compare(a, b));
    double[] sigma = new double[l];
    double[][] u = new double[l][m];
    double[][] v = new double[l][n];
    for (int c = 0; c < l; c++) {
      int src = order[c];
      sigma[c] = norms[src];
      if (sigma[c] == 0) {
        continue; // no direction: zero vectors, so the factors' column is zero too
      }
      for (int x = 0; x < n; x++) {
        v[c][x] = w[src][x] / sigma[c];
      }
      for (int a = 0; a < l; a++) { // U = Q·U_b
        double jac = j[a][src];
        if (jac != 0) {
          double[] qa = q[a];
          double[] uc = u[c];
          for (int x = 0; x < m; x++) {
            uc[x] += qa[x] * jac;
          }
        }
      }
    }
    return new Triplets(sigma, u, v);
  }

  /** Δ·X for row-major Δ (m × n) and X (n × l): row-major m × l, blocks of rows in parallel. */
  static double[] times(float[] d, int m, int n, double[] x, int l) {
    double[] y = new double[m * l];
    int blocks = (m + ROW_BLOCK - 1) / ROW_BLOCK;
    IntStream.range(0, blocks).parallel().forEach(blk -> {
      int rowTo = Math.min(m, (blk + 1) * ROW_BLOCK);
      for (int from = 0; from < n; from += TILE) { // X's rows [from, to) stay in cache for the block's rows
        int to = Math.min(n, from + TILE);
        for (int i = blk * ROW_BLOCK; i < rowTo; i++) {
          int row = i * n;
          int yr = i * l;
          int c = from;
          for (; c + 3 < to; c += 4) { // four of X's rows per pass over Y's row
            double d0 = d[row + c];
            double d1 = d[row + c + 1];
            double d2 = d[row + c + 2];
            double d3 = d[row + c + 3];
            int x0 = c * l;
            for (int t = 0; t < l; t++) {
              y[yr + t] += d0 * x[x0 + t] + d1 * x[x0 + l + t] + d2 * x[x0 + 2 * l + t] + d3 * x[x0 + 3 * l + t];
            }
          }
          for (; c < to; c++) {
            double dv = d[row + c];
            int xr = c * l;
            for (int t = 0; t < l; t++) {
              y[yr + t] += dv * x[xr + t];
            }
          }
        }
      }
    });
    return y;
  }

  /** Δᵀ·Y for row-major Δ (m × n) and Y (m × l): row-major n × l, blocks of Δ's columns in parallel. */
  static double[] transposeTimes(float[] d, int m, int n, double[] y, int l) {
    double[] z = new double[n * l];
    int blocks = (n + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
    IntStream.range(0, blocks).parallel().forEach(b -> {
      int from = b * COLUMN_BLOCK;
      int to = Math.min(n, from + COLUMN_BLOCK);
      int i = 0;
      for (; i + 3 < m; i += 4) { // four of Y's rows per pass over Z's row
        int row = i * n;
        int yr = i * l;
        for (int c = from; c < to; c++) {
          double d0 = d[row + c];
          double d1 = d[row + n + c];
          double d2 = d[row + 2 * n + c];
          double d3 = d[row + 3 * n + c];
          int zr = c * l;
          for (int t = 0; t < l; t++) {
            z[zr + t] += d0 * y[yr + t] + d1 * y[yr + l + t] + d2 * y[yr + 2 * l + t] + d3 * y[yr + 3 * l + t];
          }
        }
      }
      for (; i < m; i++) {
        int row = i * n;
        int yr = i * l;
        for (int c = from; c < to; c++) {
          double dv = d[row + c];
          int zr = c * l;
          for (int t = 0; t < l; t++) {
            z[zr + t] += dv * y[yr + t];
          }
        }
      }
    });
    return z;
  }

  /** The columns of a row-major {@code rows × cols} matrix (float or double), as arrays. */
  static double[][] columns(Object rowMajor, int rows, int cols) {
    double[][] out = new double[cols][rows];
    for (int i = 0; i < rows; i++) {
      for (int c = 0; c < cols; c++) {
        out[c][i] = rowMajor instanceof float[] f ? f[i * cols + c] : ((double[]) rowMajor)[i * cols + c];
      }
    }
    return out;
  }

  /** Columns back to a row-major matrix. */
  static double[] rowMajor(double[][] cols) {
    int l = cols.length;
    int rows = cols[0].length;
    double[] out = new double[rows * l];
    for (int c = 0; c < l; c++) {
      for (int i = 0; i < rows; i++) {
        out[i * l + c] = cols[c][i];
      }
    }
    return out;
  }

  /**
   * Orthonormalises the columns in place by Gram–Schmidt applied twice ("twice is enough"); a
   * column in the span of the earlier ones to working precision, or zero, becomes zero.
   */
  static double[][] orthonormal(double[][] cols) {
    for (int c = 0; c < cols.length; c++) {
      double[] x = cols[c];
      double before = Math.sqrt(dot(x, x));
      for (int pass = 0; pass < 2; pass++) {
        for (int p = 0; p < c; p++) {
          double proj = dot(cols[p], x);
          if (proj != 0) {
            double[] e = cols[p];
            for (int i = 0; i < x.length; i++) {
              x[i] -= proj * e[i];
            }
          }
        }
      }
      double norm = Math.sqrt(dot(x, x));
      if (norm <= before * 1e-14 || norm == 0) {
        Arrays.fill(x, 0);
      } else {
        for (int i = 0; i < x.length; i++) {
          x[i] /= norm;
        }
      }
    }
    return cols;
  }

  /**
   * One-sided Jacobi: rotates the columns of {@code w} in place until they are mutually orthogonal
   * and returns the accumulated rotation J ({@code j[a][c]}: row a, column c), so that the input
   * times J equals the output.
   */
  static double[][] jacobi(double[][] w) {
    int l = w.length;
    double[][] j = new double[l][l];
    for (int a = 0; a < l; a++) {
      j[a][a] = 1;
    }
    for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
      boolean rotated = false;
      for (int p = 0; p < l - 1; p++) {
        for (int r = p + 1; r < l; r++) {
          double alpha = dot(w[p], w[p]);
          double beta = dot(w[r], w[r]);
          double gamma = dot(w[p], w[r]);
          if (alpha == 0 || beta == 0 || Math.abs(gamma) <= JACOBI_TOLERANCE * Math.sqrt(alpha * beta)) {
            continue;
          }
          rotated = true;
          double zeta = (beta - alpha) / (2 * gamma);
          double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
          if (zeta == 0) {
            t = 1;
          }
          double cos = 1 / Math.sqrt(1 + t * t);
          double sin = cos * t;
          rotate(w[p], w[r], cos, sin);
          for (int a = 0; a < l; a++) {
            double jp = j[a][p];
            double jr = j[a][r];
            j[a][p] = cos * jp - sin * jr;
            j[a][r] = sin * jp + cos * jr;
          }
        }
      }
      if (!rotated) {
        break;
      }
    }
    return j;
  }

  private static void rotate(double[] x, double[] y, double cos, double sin) {
    for (int i = 0; i < x.length; i++) {
      double xi = x[i];
      double yi = y[i];
      x[i] = cos * xi - sin * yi;
      y[i] = sin * xi + cos * yi;
    }
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
