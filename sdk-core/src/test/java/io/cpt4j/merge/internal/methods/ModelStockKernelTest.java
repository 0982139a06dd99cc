package io.cpt4j.merge.internal.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.merge.MergeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ModelStockKernel} against mergekit's {@code model_stock} transcribed in float64 (per tensor
 * and per row), chunked statistics against one pass, and the closed forms at cos θ = 1 and 0.
 *
 * <p>Tolerance against the reference: 1 ulp of the float32 result plus 1e-12 of {@code |r·mean| +
 * |(1 − r)·base|} (the kernel rounds a double value once; its ratio differs from the reference's by
 * the rounding of double sums).
 */
class ModelStockKernelTest {

  /**
   * mergekit's model_stock in double: rows of {@code rowLength} elements; per row and pair the cosine
   * {@code δᵢ·δⱼ / max(|δᵢ||δⱼ|, 1e-6)} clamped to [−1, 1], their mean, {@code r = N·cos/(1+(N−1)·cos)},
   * {@code r·mean + (1−r)·base}.
   */
  static double[] reference(float[] base, float[][] x, int rowLength) {
    int n = x.length;
    double[] out = new double[base.length];
    for (int from = 0; from < base.length; from += rowLength) {
      int to = from + rowLength;
      double[][] d = new double[n][rowLength];
      for (int k = 0; k < n; k++) {
        for (int i = from; i < to; i++) {
          d[k][i - from] = (double) x[k][i] - base[i];
        }
      }
      double cosSum = 0;
      int pairs = 0;
      for (int a = 0; a < n; a++) {
        for (int c = a + 1; c < n; c++) {
          double dot = 0, na = 0, nc = 0;
          for (int i = 0; i < rowLength; i++) {
            dot += d[a][i] * d[c][i];
            na += d[a][i] * d[a][i];
            nc += d[c][i] * d[c][i];
          }
          double cos = dot / Math.max(Math.sqrt(na) * Math.sqrt(nc), 1e-6);
          cosSum += Math.max(-1, Math.min(1, cos));
          pairs++;
        }
      }
      double cos = cosSum / pairs;
      double r = n * cos / (1 + (n - 1) * cos);
      for (int i = from; i < to; i++) {
        double mean = 0;
        for (int k = 0; k < n; k++) {
          mean += x[k][i];
        }
        mean /= n;
        out[i] = r * mean + (1 - r) * base[i];
      }
    }
    return out;
  }

  static float[] gaussian(Random r, int n, double sigma) {
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      f[i] = (float) (r.nextGaussian() * sigma);
    }
    return f;
  }

  /** {@code base} plus a task vector correlated with {@code shared}. */
  static float[] model(Random r, float[] base, float[] shared, double noise) {
    float[] m = new float[base.length];
    for (int i = 0; i < m.length; i++) {
      m[i] = (float) (base[i] + shared[i] + r.nextGaussian() * noise);
    }
    return m;
  }

  static ModelStockKernel.Stats stats(float[] base, float[][] x, long rowLength) {
    ModelStockKernel.Stats s = new ModelStockKernel.Stats(base.length, rowLength, x.length);
    s.add(0, base, x, base.length);
    return s;
  }

  static float[] merge(float[] base, float[][] x, long rowLength) {
    float[] out = new float[base.length];
    ModelStockKernel.apply(ModelStockKernel.ratios(stats(base, x, rowLength), "w"), 0, base, x, out, base.length);
    return out;
  }

  static void assertMatchesReference(float[] base, float[][] x, int rowLength) {
    float[] got = merge(base, x, rowLength);
    double[] want = reference(base, x, rowLength);
    for (int i = 0; i < got.length; i++) {
      double mean = 0;
      for (float[] m : x) {
        mean += m[i];
      }
      double tol = Math.ulp((float) want[i]) + 1e-12 * (Math.abs(mean) * 4 + Math.abs(base[i]) * 4);
      assertThat((double) got[i]).as("row length %d [%d]", rowLength, i).isCloseTo(want[i], within(tol));
    }
  }

  @Test
  void rowLengthIsTheLastDimensionWhenFilterWiseElseTheWholeTensor() {
    assertThat(ModelStockKernel.rowLength(List.of(6L, 4L), true)).isEqualTo(4);
    assertThat(ModelStockKernel.rowLength(List.of(6L, 4L), false)).isEqualTo(24);
    assertThat(ModelStockKernel.rowLength(List.of(5L), true)).as("a 1-D tensor is one row").isEqualTo(5);
    assertThat(ModelStockKernel.rowLength(List.of(), true)).as("a scalar").isEqualTo(1);
  }

  @Test
  void matchesTheFloat64ReferencePerTensorAndPerRow() {
    Random r = new Random(21);
    int rows = 12, cols = 37;
    float[] base = gaussian(r, rows * cols, 0.05);
    float[] shared = gaussian(r, rows * cols, 0.01);
    for (int n : new int[] {2, 3, 5}) {
      float[][] x = new float[n][];
      for (int k = 0; k < n; k++) {
        x[k] = model(r, base, shared, 0.01);
      }
      assertMatchesReference(base, x, rows * cols);
      assertMatchesReference(base, x, cols);
    }
  }

  @Test
  void identicalTaskVectorsGiveTheMeanOfTheModels() {
    Random r = new Random(22);
    float[] base = gaussian(r, 300, 0.05);
    float[] m = model(r, base, new float[300], 0.02);
    assertThat(merge(base, new float[][] {m, m.clone(), m.clone()}, 300)).isEqualTo(m);
    assertThat(merge(base, new float[][] {m, m.clone()}, 30)).as("filter-wise").isEqualTo(m);
    // parallel task vectors of different lengths: cos = 1, r = 1, the plain mean
    float[] far = new float[300];
    for (int i = 0; i < 300; i++) {
      far[i] = base[i] + 2 * (m[i] - base[i]);
    }
    float[] got = merge(base, new float[][] {m, far}, 300);
    for (int i = 0; i < 300; i++) {
      double mean = ((double) m[i] + far[i]) / 2;
      assertThat((double) got[i]).isCloseTo(mean, within((double) Math.ulp((float) mean)));
    }
  }

  @Test
  void orthogonalOrZeroTaskVectorsGiveTheBase() {
    Random r = new Random(23);
    int n = 90;
    float[] base = gaussian(r, n, 0.05);
    float[][] x = new float[3][];
    for (int k = 0; k < 3; k++) {
      x[k] = base.clone();
      for (int i = k * 30; i < (k + 1) * 30; i++) {
        x[k][i] = (float) (base[i] + 0.5 + r.nextDouble()); // disjoint supports: pairwise cos = 0
      }
    }
    ModelStockKernel.Ratios ratios = ModelStockKernel.ratios(stats(base, x, n), "w");
    assertThat(ratios.ratio()).containsExactly(0.0);
    assertThat(merge(base, x, n)).isEqualTo(base);
    assertThat(merge(base, new float[][] {base.clone(), base.clone()}, 10)).as("zero task vectors").isEqualTo(base);
  }

  @Test
  void tinyTaskVectorsHaveTheirCosineShrunkByMergekitsNormFloor() {
    float[] base = new float[4];
    float[] m = {1e-4f, 0, 0, 0};
    // |δ₁||δ₂| = 1e-8 < 1e-6: cos = 1e-8 / 1e-6 = 0.01 rather than 1, r = 2·0.01 / 1.01
    double r = ModelStockKernel.ratios(stats(base, new float[][] {m, m.clone()}, 4), "w").ratio()[0];
    assertThat(r).isCloseTo(0.02 / 1.01, within(1e-9));
    assertMatchesReference(base, new float[][] {m, m.clone()}, 4);
  }

  @Test
  void taskVectorsThatCancelOutAreAnErrorNamingTheTensorAndRow() {
    float[] base = new float[6];
    float[] plus = {1, 2, 3, 0.5f, 0.5f, 0.5f};
    float[] minus = {-1, -2, -3, 0.25f, 0.25f, 0.25f};
    assertThatThrownBy(() -> ModelStockKernel.ratios(stats(base, new float[][] {plus, minus}, 3), "model.norm"))
        .isInstanceOf(MergeException.class).hasMessageContaining("model.norm (row 0)")
        .hasMessageContaining("cancel out");
  }

  @Test
  void statisticsMergedFromChunksSpanningRowsInAnyOrderEqualOnePass() {
    Random r = new Random(24);
    int rows = 40, cols = 33, total = rows * cols;
    float[] base = gaussian(r, total, 0.05);
    float[] shared = gaussian(r, total, 0.01);
    float[][] x = {model(r, base, shared, 0.01), model(r, base, shared, 0.02), model(r, base, shared, 0.01)};
    for (int rowLength : new int[] {cols, total}) {
      ModelStockKernel.Stats one = stats(base, x, rowLength);
      float[] whole = new float[total];
      ModelStockKernel.apply(ModelStockKernel.ratios(one, "w"), 0, base, x, whole, total);
      for (int chunk : new int[] {1, 10, 33, 100, 1000}) {
        List<Integer> starts = new ArrayList<>();
        for (int from = 0; from < total; from += chunk) {
          starts.add(from);
        }
        Collections.shuffle(starts, r);
        ModelStockKernel.Stats[] parts = new ModelStockKernel.Stats[3];
        for (int p = 0; p < 3; p++) {
          parts[p] = new ModelStockKernel.Stats(total, rowLength, 3);
        }
        for (int k = 0; k < starts.size(); k++) {
          int from = starts.get(k), len = Math.min(chunk, total - from);
          parts[k % 3].add(from, slice(base, from, len), slices(x, from, len), len);
        }
        parts[1].merge(parts[0]);
        parts[1].merge(parts[2]);
        for (int row = 0; row < total / rowLength; row++) {
          double[] want = ModelStockKernel.rowSums(one, row), got = ModelStockKernel.rowSums(parts[1], row);
          double scale = want[0] + want[3] + want[5]; // the squared norms
          for (int p = 0; p < want.length; p++) {
            assertThat(got[p]).as("row %d pair %d", row, p).isCloseTo(want[p], within(1e-12 * scale));
          }
        }
        ModelStockKernel.Ratios ratios = ModelStockKernel.ratios(parts[1], "w");
        float[] out = new float[total];
        for (int from = 0; from < total; from += chunk) {
          int len = Math.min(chunk, total - from);
          float[] o = new float[len];
          ModelStockKernel.apply(ratios, from, slice(base, from, len), slices(x, from, len), o, len);
          System.arraycopy(o, 0, out, from, len);
        }
        for (int i = 0; i < total; i++) {
          assertThat(out[i]).as("chunk %d [%d]", chunk, i).isCloseTo(whole[i], within(Math.ulp(whole[i])));
        }
      }
    }
  }

  @Test
  void chunksInDescendingOrderGrowTheRowWindowForwardsAndGiveTheSameSums() {
    Random r = new Random(25);
    int rows = 50, cols = 8, total = rows * cols;
    float[] base = gaussian(r, total, 0.05);
    float[][] x = {gaussian(r, total, 0.05), gaussian(r, total, 0.05)};
    ModelStockKernel.Stats one = stats(base, x, cols);
    ModelStockKernel.Stats down = new ModelStockKernel.Stats(total, cols, 2);
    for (int from = total - 12; from > -12; from -= 12) {
      int start = Math.max(0, from), len = from + 12 - start;
      down.add(start, slice(base, start, len), slices(x, start, len), len);
    }
    for (int row = 0; row < rows; row++) {
      double[] want = ModelStockKernel.rowSums(one, row), got = ModelStockKernel.rowSums(down, row);
      for (int p = 0; p < want.length; p++) {
        assertThat(got[p]).as("row %d pair %d", row, p).isCloseTo(want[p], within(1e-12 * (want[0] + want[2])));
      }
    }
  }

  @Test
  void ratiosRefuseStatisticsThatMissPartOfTheTensor() {
    float[] base = new float[8];
    ModelStockKernel.Stats s = new ModelStockKernel.Stats(8, 4, 2);
    s.add(0, base, new float[][] {base, base}, 4);
    assertThatThrownBy(() -> ModelStockKernel.ratios(s, "w")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("4 of 8");
  }

  static float[] slice(float[] a, int from, int len) {
    return Arrays.copyOfRange(a, from, from + len);
  }

  static float[][] slices(float[][] x, int from, int len) {
    float[][] s = new float[x.length][];
    for (int k = 0; k < x.length; k++) {
      s[k] = slice(x[k], from, len);
    }
    return s;
  }
}
