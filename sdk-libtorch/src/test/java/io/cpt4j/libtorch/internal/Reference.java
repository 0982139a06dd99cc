package io.cpt4j.libtorch.internal;

import java.util.Random;

/**
 * The spike's float64 reference, written out in plain Java so that nothing of torch checks torch:
 * row-major matrices as {@code double[]}, shapes passed alongside.
 */
final class Reference {
  private Reference() {}

  /** Seeded normal values times {@code scale}, as float32 (what the tensors hold). */
  static float[] normal(long seed, int n, double scale) {
    Random random = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (random.nextGaussian() * scale);
    }
    return out;
  }

  static double[] widen(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  /** (m, k) x (k, n), for each of {@code batch} left matrices against one right matrix. */
  static double[] matmul(double[] a, double[] b, int batch, int m, int k, int n) {
    double[] c = new double[batch * m * n];
    for (int z = 0; z < batch; z++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int p = 0; p < k; p++) {
            s += a[(z * m + i) * k + p] * b[p * n + j];
          }
          c[(z * m + i) * n + j] = s;
        }
      }
    }
    return c;
  }

  /** Softmax over the last dimension of a (rows, cols) matrix. */
  static double[] softmax(double[] x, int rows, int cols) {
    double[] out = new double[x.length];
    for (int r = 0; r < rows; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < cols; c++) {
        max = Math.max(max, x[r * cols + c]);
      }
      double sum = 0;
      for (int c = 0; c < cols; c++) {
        out[r * cols + c] = Math.exp(x[r * cols + c] - max);
        sum += out[r * cols + c];
      }
      for (int c = 0; c < cols; c++) {
        out[r * cols + c] /= sum;
      }
    }
    return out;
  }

  /**
   * softmax(q k^T / sqrt(d) + mask) v for {@code heads} independent (t, d) blocks; position s is
   * visible from t when {@code visible[t][s]}.
   */
  static double[] attention(double[] q, double[] k, double[] v, int heads, int t, int d, boolean[][] visible) {
    double[] out = new double[heads * t * d];
    double scale = 1 / Math.sqrt(d);
    for (int h = 0; h < heads; h++) {
      int base = h * t * d;
      double[] scores = new double[t * t];
      for (int i = 0; i < t; i++) {
        for (int j = 0; j < t; j++) {
          double s = 0;
          for (int p = 0; p < d; p++) {
            s += q[base + i * d + p] * k[base + j * d + p];
          }
          scores[i * t + j] = visible[i][j] ? s * scale : Double.NEGATIVE_INFINITY;
        }
      }
      double[] p = softmax(scores, t, t);
      for (int i = 0; i < t; i++) {
        for (int e = 0; e < d; e++) {
          double s = 0;
          for (int j = 0; j < t; j++) {
            s += p[i * t + j] * v[base + j * d + e];
          }
          out[base + i * d + e] = s;
        }
      }
    }
    return out;
  }

  static boolean[][] causal(int t) {
    boolean[][] visible = new boolean[t][t];
    for (int i = 0; i < t; i++) {
      for (int j = 0; j <= i; j++) {
        visible[i][j] = true;
      }
    }
    return visible;
  }

  /** Mean cross-entropy of (n, classes) logits over the rows whose target is not {@code ignore}. */
  static double crossEntropy(double[] logits, long[] targets, int classes, long ignore) {
    double sum = 0;
    int counted = 0;
    for (int r = 0; r < targets.length; r++) {
      if (targets[r] == ignore) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, logits[r * classes + c]);
      }
      double z = 0;
      for (int c = 0; c < classes; c++) {
        z += Math.exp(logits[r * classes + c] - max);
      }
      sum += max + Math.log(z) - logits[r * classes + (int) targets[r]];
      counted++;
    }
    return sum / counted;
  }

  /** The bfloat16 nearest to {@code x} (round to nearest, ties to even), as raw bits. */
  static short bf16(float x) {
    int bits = Float.floatToRawIntBits(x);
    int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  static float widenBf16(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  static double maxAbsDiff(double[] expected, double[] actual) {
    if (expected.length != actual.length) {
      throw new AssertionError("length " + actual.length + " != expected " + expected.length);
    }
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs(expected[i] - actual[i]));
    }
    return max;
  }
}
