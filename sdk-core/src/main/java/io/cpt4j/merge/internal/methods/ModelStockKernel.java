package io.cpt4j.merge.internal.methods;

import io.cpt4j.merge.MergeException;
import java.util.Arrays;
import java.util.List;

/**
 * Model Stock for one tensor, following mergekit's {@code model_stock}: with task vectors {@code δᵢ
 * = xᵢ − base} of {@code N ≥ 2} models, {@code cos θ} is the mean over pairs {@code i < j} of {@code
 * δᵢ·δⱼ / max(|δᵢ|·|δⱼ|, 1e-6)}, each clamped to [−1, 1]; the ratio is {@code r = N·cos θ / (1 + (N −
 * 1)·cos θ)} and the result {@code r·mean(xᵢ) + (1 − r)·base}. Per tensor, or per row (the last
 * dimension; a 1-D tensor is one row) when filter-wise.
 *
 * <p>Two phases, so a tensor can be processed in chunks of any size and order (a chunk may span
 * rows): {@link Stats} accumulates, per row, the pairwise dots and squared norms of the task vectors
 * in double, partial statistics merge with {@link Stats#merge}, {@link #ratios} turns them into one
 * ratio per row, and {@link #apply} computes any element range. Zero task vectors give {@code cos =
 * 0}, hence the base; identical ones {@code cos = 1}, hence the mean of the models.
 *
 * <p>Stateless; a {@link Stats} is not thread-safe (give each thread its own and merge them).
 */
final class ModelStockKernel {
  /** mergekit's floor on {@code |δᵢ|·|δⱼ|} in the cosine. */
  static final double NORM_PRODUCT_FLOOR = 1e-6;

  private ModelStockKernel() {}

  /** Elements per ratio: the last dimension when {@code filterWise}, else the whole tensor (at least 1). */
  static long rowLength(List<Long> shape, boolean filterWise) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    long row = filterWise && !shape.isEmpty() ? shape.getLast() : n;
    return Math.max(1, row);
  }

  /**
   * Per-row sums {@code δᵢ·δⱼ} for {@code i ≤ j} (squared norms on the diagonal), in double, over the
   * rows the added chunks touched (a window that grows as chunks arrive, so a thread that sees a few
   * chunks holds only their rows).
   */
  static final class Stats {
    final long elementCount;
    final long rowLength;
    final int models;
    final int pairs;
    private long windowStart; // the row of sums[0]
    private double[] sums; // row-major: (row − windowStart)·pairs + pair; rows never touched are 0
    private long added;

    Stats(long elementCount, long rowLength, int models) {
      if (models < 2) {
        throw new IllegalArgumentException("model_stock needs at least 2 models, got " + models);
      }
      if (rowLength < 1) {
        throw new IllegalArgumentException("row length must be positive, got " + rowLength);
      }
      this.elementCount = elementCount;
      this.rowLength = rowLength;
      this.models = models;
      this.pairs = models * (models + 1) / 2;
    }

    /**
     * Adds elements {@code 0..len-1} of the chunk, which are the tensor's elements {@code
     * fromElement..fromElement+len-1}.
     */
    void add(long fromElement, float[] base, float[][] x, int len) {
      if (x.length != models) {
        throw new IllegalArgumentException("expected " + models + " models, got " + x.length);
      }
      java.util.Objects.checkFromIndexSize(fromElement, len, elementCount);
      int i = 0;
      while (i < len) {
        long row = (fromElement + i) / rowLength;
        int end = (int) Math.min(len, (row + 1) * rowLength - fromElement);
        int at = slot(row);
        int p = 0;
        for (int a = 0; a < models; a++) {
          for (int c = a; c < models; c++) {
            sums[at + p++] += dot(x[a], x[c], base, i, end);
          }
        }
        i = end;
      }
      added += len;
    }

    /** Adds the statistics of other chunks of the same tensor. */
    void merge(Stats other) {
      if (other.elementCount != elementCount || other.rowLength != rowLength || other.models != models) {
        throw new IllegalArgumentException("statistics of different tensors");
      }
      if (other.sums != null) {
        int rows = other.sums.length / pairs;
        slot(other.windowStart + rows - 1);
        int at = slot(other.windowStart);
        for (int k = 0; k < rows * pairs; k++) {
          sums[at + k] += other.sums[k];
        }
      }
      added += other.added;
    }

    /**
     * The index in {@link #sums} of {@code row}'s first pair, growing the window (at least doubling
     * it, towards the side the row lies on, so chunks in any order cost amortised linear copying).
     */
    private int slot(long row) {
      long total = totalRows();
      if (sums == null) {
        int capacity = (int) Math.min(4, total);
        windowStart = Math.min(row, total - capacity);
        sums = new double[capacity * pairs];
      }
      int capacity = sums.length / pairs;
      if (row < windowStart || row >= windowStart + capacity) {
        long lo = Math.min(windowStart, row);
        long hi = Math.max(windowStart + capacity - 1, row);
        long grownRows = Math.min(Math.max(hi - lo + 1, 2L * capacity), total);
        long start = row < windowStart ? hi + 1 - grownRows : lo;
        start = Math.max(0, Math.min(start, total - grownRows));
        double[] grown = new double[Math.multiplyExact(Math.toIntExact(grownRows), pairs)];
        System.arraycopy(sums, 0, grown, Math.toIntExact((windowStart - start) * pairs), capacity * pairs);
        sums = grown;
        windowStart = start;
      }
      return (int) (row - windowStart) * pairs;
    }

    long totalRows() {
      return Math.max(1, elementCount / rowLength);
    }

    double sum(long row, int pair) {
      return sums == null || row < windowStart || row >= windowStart + sums.length / pairs ? 0
          : sums[(int) (row - windowStart) * pairs + pair];
    }
  }

  /** {@code Σ (x[i] − b[i])·(y[i] − b[i])} over {@code [from, to)}, in double. */
  private static double dot(float[] x, float[] y, float[] b, int from, int to) {
    double s0 = 0, s1 = 0;
    int i = from;
    for (; i + 1 < to; i += 2) {
      double b0 = b[i], b1 = b[i + 1];
      s0 += (x[i] - b0) * (y[i] - b0);
      s1 += (x[i + 1] - b1) * (y[i + 1] - b1);
    }
    if (i < to) {
      double bi = b[i];
      s0 += (x[i] - bi) * (y[i] - bi);
    }
    return s0 + s1;
  }

  /** One ratio per row of {@link #rowLength} elements. */
  record Ratios(long rowLength, double[] ratio) {
    double at(long element) {
      return ratio[(int) (element / rowLength)];
    }
  }

  /**
   * The ratio of every row.
   *
   * @param tensorName named in errors
   * @throws MergeException when the task vectors of a row cancel out ({@code 1 + (N − 1)·cos θ ≤ 0},
   *     where the ratio is infinite; mergekit would write inf/NaN) or contain non-finite values
   * @throws IllegalStateException when the statistics do not cover the whole tensor
   */
  static Ratios ratios(Stats s, String tensorName) {
    if (s.added != s.elementCount) {
      throw new IllegalStateException("model_stock statistics of " + tensorName + " cover " + s.added + " of "
          + s.elementCount + " elements");
    }
    int n = s.models;
    int rows = Math.toIntExact(s.elementCount / s.rowLength);
    double[] r = new double[rows];
    double[] norm = new double[n];
    for (int row = 0; row < rows; row++) {
      for (int a = 0, p = 0; a < n; a++) {
        norm[a] = Math.sqrt(s.sum(row, p));
        p += n - a;
      }
      double cosSum = 0;
      for (int a = 0, p = 0; a < n; a++) {
        p++; // the diagonal
        for (int c = a + 1; c < n; c++) {
          double cos = s.sum(row, p++) / Math.max(norm[a] * norm[c], NORM_PRODUCT_FLOOR);
          cosSum += Math.clamp(cos, -1.0, 1.0);
        }
      }
      double cos = cosSum / (n * (n - 1) / 2);
      double den = 1 + (n - 1) * cos;
      r[row] = n * cos / den;
      if (Double.isNaN(cos)) {
        throw new MergeException("model_stock: the task vectors of " + where(tensorName, s, row)
            + " contain non-finite values");
      }
      if (!(den > 0) || !Double.isFinite(r[row])) {
        throw new MergeException("model_stock: the task vectors of " + where(tensorName, s, row)
            + " cancel out (mean cosine " + cos + " ≤ −1/(N−1) for N = " + n + "), so the ratio is infinite");
      }
    }
    return new Ratios(s.rowLength, r);
  }

  private static String where(String tensorName, Stats s, int row) {
    return s.rowLength == s.elementCount ? tensorName : tensorName + " (row " + row + ")";
  }

  /**
   * Writes {@code out[i] = r·mean(x[k][i]) + (1 − r)·base[i]} for {@code i < len}, where chunk element
   * {@code i} is the tensor's element {@code fromElement + i}; computed in double, rounded once.
   */
  static void apply(Ratios ratios, long fromElement, float[] base, float[][] x, float[] out, int len) {
    int n = x.length;
    int i = 0;
    while (i < len) {
      long row = (fromElement + i) / ratios.rowLength();
      int end = (int) Math.min(len, (row + 1) * ratios.rowLength() - fromElement);
      double r = ratios.ratio()[(int) row];
      double keep = 1 - r;
      for (; i < end; i++) {
        double sum = 0;
        for (float[] m : x) {
          sum += m[i];
        }
        out[i] = (float) (r * (sum / n) + keep * base[i]);
      }
    }
  }

  /** The sums of {@code row} (zeros for a row no chunk touched). */
  static double[] rowSums(Stats s, long row) {
    double[] out = new double[s.pairs];
    Arrays.setAll(out, p -> s.sum(row, p));
    return out;
  }
}
