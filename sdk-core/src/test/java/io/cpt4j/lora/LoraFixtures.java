package io.cpt4j.lora;

import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;

/** Low-rank-plus-noise matrices and the exact float64 SVD reference the LoRA tests share. */
public final class LoraFixtures {
  private LoraFixtures() {}

  /** A row-major m × n matrix: a rank-{@code rank} signal with singular values ~1…0.1 plus Gaussian noise. */
  public static float[] lowRankPlusNoise(int m, int n, int rank, double noise, long seed) {
    Random r = new Random(seed);
    double[][] u = new double[rank][m];
    double[][] v = new double[rank][n];
    for (int c = 0; c < rank; c++) {
      for (int i = 0; i < m; i++) {
        u[c][i] = r.nextGaussian() / Math.sqrt(m);
      }
      for (int j = 0; j < n; j++) {
        v[c][j] = r.nextGaussian() / Math.sqrt(n);
      }
    }
    float[] d = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int c = 0; c < rank; c++) {
          s += Math.pow(10, -c / (double) Math.max(1, rank - 1)) * u[c][i] * v[c][j];
        }
        d[i * n + j] = (float) (s + noise * r.nextGaussian() / Math.sqrt(Math.max(m, n)));
      }
    }
    return d;
  }

  /** The exact singular values (float64, Commons Math). */
  public static double[] exactSingularValues(float[] d, int m, int n) {
    double[][] a = new double[m][n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        a[i][j] = d[i * n + j];
      }
    }
    return new SingularValueDecomposition(new Array2DRowRealMatrix(a, false)).getSingularValues();
  }

  /** √(Σ_{i≥k} σ_i²): the best rank-k error (Eckart–Young). */
  public static double bestError(double[] sigma, int k) {
    double s = 0;
    for (int i = k; i < sigma.length; i++) {
      s += sigma[i] * sigma[i];
    }
    return Math.sqrt(s);
  }

}
