package io.cpt4j.merge.internal.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SlerpKernel} against mergekit's {@code slerp} transcribed in float64, chunked statistics
 * against one pass, and the properties of spherical interpolation.
 *
 * <p>Tolerance against the reference: 1 ulp of the float32 result plus 1e-12 of {@code |ca·a| + |cb·b|}
 * (the kernel rounds a double value once; its coefficients differ from the reference's by the
 * rounding of double sums).
 */
class SlerpKernelTest {

  /** mergekit's slerp (normalize with eps 1e-8, dot of the normalized copies, lerp above 0.9995), in double. */
  static double[] reference(double t, float[] v0f, float[] v1f) {
    double[] v0 = widen(v0f), v1 = widen(v1f);
    double[] u0 = normalize(v0), u1 = normalize(v1);
    double dot = 0;
    for (int i = 0; i < v0.length; i++) {
      dot += u0[i] * u1[i];
    }
    double[] res = new double[v0.length];
    if (Math.abs(dot) > 0.9995) {
      for (int i = 0; i < res.length; i++) {
        res[i] = (1 - t) * v0[i] + t * v1[i];
      }
      return res;
    }
    double theta0 = Math.acos(dot);
    double sinTheta0 = Math.sin(theta0);
    double thetaT = theta0 * t;
    double s0 = Math.sin(theta0 - thetaT) / sinTheta0;
    double s1 = Math.sin(thetaT) / sinTheta0;
    for (int i = 0; i < res.length; i++) {
      res[i] = s0 * v0[i] + s1 * v1[i];
    }
    return res;
  }

  static double[] widen(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  static double[] normalize(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x * x;
    }
    double norm = Math.sqrt(s);
    if (!(norm > 1e-8)) {
      return v;
    }
    double[] u = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      u[i] = v[i] / norm;
    }
    return u;
  }

  static float[] gaussian(Random r, int n, double sigma) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) (r.nextGaussian() * sigma);
    }
    return f;
  }

  static float[] slerp(double t, float[] a, float[] b) {
    SlerpKernel.Stats s = new SlerpKernel.Stats();
    s.add(a, b, a.length);
    float[] out = new float[a.length];
    SlerpKernel.apply(SlerpKernel.coefficients(s, t), a, b, out, a.length);
    return out;
  }

  static void assertMatchesReference(double t, float[] a, float[] b) {
    float[] got = slerp(t, a, b);
    double[] want = reference(t, a, b);
    SlerpKernel.Stats s = new SlerpKernel.Stats();
    s.add(a, b, a.length);
    SlerpKernel.Coefficients c = SlerpKernel.coefficients(s, t);
    for (int i = 0; i < got.length; i++) {
      double tol = Math.ulp((float) want[i]) + 1e-12 * (Math.abs(c.ca() * a[i]) + Math.abs(c.cb() * b[i]));
      assertThat((double) got[i]).as("t=%s [%d]", t, i).isCloseTo(want[i], within(tol));
    }
  }

  @Test
  void matchesTheFloat64ReferenceOnRandomTensorsAcrossT() {
    Random r = new Random(7);
    for (int n : new int[] {1, 2, 3, 17, 1000, 4099}) {
      float[] a = gaussian(r, n, 0.05);
      float[] b = gaussian(r, n, 0.02);
      for (double t : new double[] {0, 0.1, 0.25, 0.5, 0.9, 1, -0.3, 1.4}) {
        assertMatchesReference(t, a, b);
      }
    }
  }

  @Test
  void zeroAndTinyNormTensorsAreNotNormalisedAndGiveNoNaN() {
    Random r = new Random(8);
    float[] zero = new float[64];
    float[] b = gaussian(r, 64, 0.05);
    float[] tiny = gaussian(r, 64, 1e-11); // norm ≈ 8e-11 ≤ eps: left unnormalised, like mergekit
    for (double t : new double[] {0, 0.3, 0.5, 1}) {
      assertMatchesReference(t, zero, b);
      assertMatchesReference(t, b, zero);
      assertMatchesReference(t, tiny, b);
      assertThat(slerp(t, zero, zero)).containsOnly(0f);
    }
    // a zero base is a quarter turn away: out = sin(πt/2)·b
    float[] half = slerp(0.5, zero, b);
    for (int i = 0; i < b.length; i++) {
      double want = Math.sin(Math.PI / 4) * b[i];
      assertThat((double) half[i]).isCloseTo(want, within((double) Math.ulp((float) want)));
    }
  }

  @Test
  void theEndpointsAreExactOnBothPaths() {
    Random r = new Random(9);
    float[] a = gaussian(r, 333, 0.05);
    float[] b = gaussian(r, 333, 0.05);
    float[] near = a.clone();
    for (int i = 0; i < near.length; i++) {
      near[i] += (float) (r.nextGaussian() * 1e-4);
    }
    for (float[] other : new float[][] {b, near}) {
      assertThat(slerp(0, a, other)).isEqualTo(a);
      assertThat(slerp(1, a, other)).isEqualTo(other);
    }
  }

  @Test
  void identicalTensorsGiveTheTensor() {
    float[] a = gaussian(new Random(10), 500, 0.05);
    for (double t : new double[] {0, 0.2, 0.5, 0.77, 1}) {
      assertThat(slerp(t, a, a.clone())).isEqualTo(a);
    }
  }

  @Test
  void nearParallelTensorsTakeTheLerpPath() {
    Random r = new Random(11);
    float[] a = gaussian(r, 1000, 0.05);
    float[] b = a.clone();
    for (int i = 0; i < b.length; i++) {
      b[i] = 1.5f * b[i] + (float) (r.nextGaussian() * 1e-3); // cos ≈ 0.9997 > 0.9995
    }
    SlerpKernel.Stats s = new SlerpKernel.Stats();
    s.add(a, b, a.length);
    assertThat(s.cos()).isBetween(0.9995, 1.0);
    SlerpKernel.Coefficients c = SlerpKernel.coefficients(s, 0.3);
    assertThat(c.lerp()).isTrue();
    assertThat(c.ca()).isEqualTo(0.7, within(1e-15));
    assertThat(c.cb()).isEqualTo(0.3);
    assertMatchesReference(0.3, a, b);
    // opposite tensors (cos = −1) are lerped too, as in mergekit
    float[] minus = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      minus[i] = -a[i];
    }
    s = new SlerpKernel.Stats();
    s.add(a, minus, a.length);
    assertThat(SlerpKernel.coefficients(s, 0.5).lerp()).isTrue();
    assertThat(slerp(0.5, a, minus)).containsOnly(0f);
  }

  @Test
  void orthogonalTensorsAtHalfwayHaveTheNormSlerpPredicts() {
    int n = 256;
    float[] a = new float[n];
    float[] b = new float[n];
    for (int i = 0; i < n / 2; i++) {
      a[i] = 2f / (float) Math.sqrt(n / 2.0); // |a| = 2 on the first half
      b[n / 2 + i] = 3f / (float) Math.sqrt(n / 2.0); // |b| = 3 on the second half
    }
    float[] out = slerp(0.5, a, b);
    double norm2 = 0;
    for (float v : out) {
      norm2 += (double) v * v;
    }
    // cos(π/4)·a + sin(π/4)·b: |out|² = (4 + 9)/2, where a lerp would give (4 + 9)/4
    assertThat(norm2).isCloseTo(6.5, within(1e-5));
    SlerpKernel.Stats s = new SlerpKernel.Stats();
    s.add(a, b, n);
    SlerpKernel.Coefficients c = SlerpKernel.coefficients(s, 0.5);
    assertThat(c.lerp()).isFalse();
    assertThat(c.ca()).isCloseTo(Math.sqrt(0.5), within(1e-15));
    assertThat(c.cb()).isCloseTo(Math.sqrt(0.5), within(1e-15));
  }

  @Test
  void statisticsMergedFromChunksInAnyOrderEqualOnePass() {
    Random r = new Random(12);
    int n = 10_007;
    float[] a = gaussian(r, n, 0.05);
    float[] b = gaussian(r, n, 0.05);
    SlerpKernel.Stats one = new SlerpKernel.Stats();
    one.add(a, b, n);
    float[] whole = new float[n];
    SlerpKernel.apply(SlerpKernel.coefficients(one, 0.4), a, b, whole, n);
    for (int chunk : new int[] {1, 7, 1000, 4096}) {
      List<Integer> starts = new ArrayList<>();
      for (int from = 0; from < n; from += chunk) {
        starts.add(from);
      }
      Collections.shuffle(starts, r);
      SlerpKernel.Stats[] parts = {new SlerpKernel.Stats(), new SlerpKernel.Stats(), new SlerpKernel.Stats()};
      for (int k = 0; k < starts.size(); k++) {
        int from = starts.get(k);
        int len = Math.min(chunk, n - from);
        parts[k % 3].add(java.util.Arrays.copyOfRange(a, from, from + len),
            java.util.Arrays.copyOfRange(b, from, from + len), len);
      }
      parts[2].merge(parts[0]);
      parts[2].merge(parts[1]);
      // the double sums agree to their rounding (relative 1e-12)
      assertThat(parts[2].dot).isCloseTo(one.dot, within(1e-12 * one.aa));
      assertThat(parts[2].aa).isCloseTo(one.aa, within(1e-12 * one.aa));
      assertThat(parts[2].bb).isCloseTo(one.bb, within(1e-12 * one.bb));
      SlerpKernel.Coefficients c = SlerpKernel.coefficients(parts[2], 0.4);
      float[] out = new float[n];
      for (int from = 0; from < n; from += chunk) {
        int len = Math.min(chunk, n - from);
        float[] o = new float[len];
        SlerpKernel.apply(c, java.util.Arrays.copyOfRange(a, from, from + len),
            java.util.Arrays.copyOfRange(b, from, from + len), o, len);
        System.arraycopy(o, 0, out, from, len);
      }
      // hence the outputs agree to within 1 ulp (in practice exactly)
      for (int i = 0; i < n; i++) {
        assertThat(out[i]).as("chunk %d [%d]", chunk, i).isCloseTo(whole[i], within(Math.ulp(whole[i])));
      }
    }
  }
}
