package io.cpt4j.lora.internal;

import static io.cpt4j.lora.LoraFixtures.bestError;
import static io.cpt4j.lora.LoraFixtures.exactSingularValues;
import static io.cpt4j.lora.LoraFixtures.lowRankPlusNoise;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The randomized SVD against Eckart–Young: its rank-k error equals the best rank-k error, √(Σ_{i>k}
 * σ_i²) from Commons Math's exact float64 SVD, within 1e-4 relative; exact on small matrices;
 * bit-identical on reruns; and fast on a 4096 × 4096 delta.
 */
class RandomizedSvdTest {

  /** ‖Δ − Σ_{c<k} σ_c u_c v_cᵀ‖_F in float64. */
  static double residual(float[] d, int m, int n, RandomizedSvd.Triplets t, int k) {
    double sum = 0;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double approx = 0;
        for (int c = 0; c < k; c++) {
          approx += t.sigma()[c] * t.u()[c][i] * t.v()[c][j];
        }
        double e = d[i * n + j] - approx;
        sum += e * e;
      }
    }
    return Math.sqrt(sum);
  }

  @Test
  void rankKErrorEqualsTheEckartYoungBound() {
    double worst = 0;
    int cases = 0;
    for (int[] shape : SHAPES) {
      int m = shape[0];
      int n = shape[1];
      for (double noise : new double[] {1e-3, 1e-2, 3e-2}) { // the noise's singular values below the signal's
        float[] d = lowRankPlusNoise(m, n, 12, noise, 31L * m + n);
        double[] exact = exactSingularValues(d, m, n);
        for (int k : new int[] {4, 8, 12}) {
          double rel = excess(d, m, n, exact, k, 2);
          worst = Math.max(worst, rel);
          cases++;
          assertThat(rel).as("%dx%d noise %s rank %d", m, n, noise, k).isLessThan(1e-4);
        }
      }
    }
    System.out.printf("Eckart-Young, ranks up to the signal's: %d cases, worst relative excess %.3g%n", cases, worst);
  }

  /**
   * Past the signal's rank the spectrum is flat noise, where a randomized range finder is known to
   * pick slightly worse directions: measured, and bounded loosely; power iterations narrow it.
   */
  @Test
  void intoTheNoiseFloorTheExcessIsSmallAndPowerIterationsNarrowIt() {
    for (int q : new int[] {2, 8}) {
      double worst = 0;
      for (int[] shape : SHAPES) {
        float[] d = lowRankPlusNoise(shape[0], shape[1], 12, 1e-2, 31L * shape[0] + shape[1]);
        double[] exact = exactSingularValues(d, shape[0], shape[1]);
        worst = Math.max(worst, excess(d, shape[0], shape[1], exact, 24, q));
      }
      System.out.printf("Eckart-Young at rank 24 of a rank-12 signal plus noise, %d power iterations: worst "
          + "relative excess %.3g%n", q, worst);
      assertThat(worst).isLessThan(q == 2 ? 2e-2 : 2e-3);
    }
  }

  private static final int[][] SHAPES = {{300, 200}, {160, 420}, {256, 256}};

  /** (rank-k error − best rank-k error) / best. */
  private static double excess(float[] d, int m, int n, double[] exact, int k, int powerIterations) {
    RandomizedSvd.Triplets t = RandomizedSvd.leading(d, m, n, k, 10, powerIterations, 7);
    double best = bestError(exact, k);
    return Math.abs(residual(d, m, n, t, k) - best) / best;
  }

  @Test
  void smallMatricesGetTheExactSvd() {
    for (int[] shape : new int[][] {{12, 40}, {40, 12}, {16, 16}}) {
      int m = shape[0];
      int n = shape[1];
      float[] d = lowRankPlusNoise(m, n, 5, 0.05, m * 7L + n);
      double[] exact = exactSingularValues(d, m, n);
      RandomizedSvd.Triplets t = RandomizedSvd.leading(d, m, n, 6, 10, 2, 1); // 16 sketch columns: exact
      for (int c = 0; c < exact.length; c++) {
        assertThat(t.sigma()[c]).as("%dx%d sigma %d", m, n, c).isCloseTo(exact[c], org.assertj.core.data.Offset
            .offset(1e-12 * exact[0]));
      }
      assertThat(residual(d, m, n, t, exact.length)).isLessThan(1e-12 * exact[0]);
    }
  }

  @Test
  void aRankDeficientMatrixHasZeroTrailingSingularValues() {
    float[] d = lowRankPlusNoise(120, 90, 3, 0, 5);
    RandomizedSvd.Triplets t = RandomizedSvd.leading(d, 120, 90, 8, 10, 2, 3);
    assertThat(t.sigma()[3]).isLessThan(1e-6 * t.sigma()[0]);
    assertThat(residual(d, 120, 90, t, 3)).isLessThan(1e-6 * t.sigma()[0]);
  }

  @Test
  void rerunsAreBitIdentical() {
    float[] d = lowRankPlusNoise(200, 130, 6, 0.01, 9);
    RandomizedSvd.Triplets a = RandomizedSvd.leading(d, 200, 130, 8, 10, 2, 11);
    RandomizedSvd.Triplets b = RandomizedSvd.leading(d, 200, 130, 8, 10, 2, 11);
    assertThat(a.sigma()).containsExactly(b.sigma());
    for (int c = 0; c < 8; c++) {
      assertThat(a.u()[c]).containsExactly(b.u()[c]);
      assertThat(a.v()[c]).containsExactly(b.v()[c]);
    }
  }

  @Test
  void factorsA4096By4096DeltaAtRank64InAFewSeconds() {
    int m = 4096;
    int n = 4096;
    Random r = new Random(1);
    float[] d = new float[m * n];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) (r.nextGaussian() * 1e-3);
    }
    RandomizedSvd.leading(d, 512, 512, 64, 10, 2, 0); // warm-up on a corner of it
    long t0 = System.nanoTime();
    RandomizedSvd.Triplets t = RandomizedSvd.leading(d, m, n, 64, 10, 2, 0);
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("4096x4096 rank 64 (74 sketch columns, 2 power iterations): %.2f s on %d cores%n", seconds,
        Runtime.getRuntime().availableProcessors());
    assertThat(t.sigma()[63]).isPositive();
    assertThat(seconds).isLessThan(30);
  }
}
