package io.cpt4j.merge.internal.methods;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.merge.internal.engine.Scratch;
import io.cpt4j.merge.internal.select.MagnitudeSelect;
import io.cpt4j.merge.internal.select.MagnitudeSelect.TopMask;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One tensor of {@code sce} (select, calculate, erase; mergekit's {@code sce.py}), chunk by chunk.
 * With task vectors {@code δₖ = xₖ − base}:
 *
 * <ol>
 *   <li>select: when {@code select_topk < 1}, keep the positions whose variance of the δₖ across the
 *       models (population variance) is among the {@code ⌊select_topk·m⌋} largest, {@code m} the
 *       number of non-zero variances (ties by index; none when that is 0), and zero every δₖ elsewhere;
 *   <li>calculate: model {@code k}'s weight is the mean square of its selected δₖ, normalized to sum 1
 *       (equal weights when all are 0);
 *   <li>erase: at each position keep the δₖ whose sign is that of {@code Σₖ δₖ} (≥ 0 counts as +; a
 *       zero δₖ is never kept) and return {@code target + Σ wₖδₖ / Σ wₖ} over the kept ones (the
 *       divisor 1 when none is kept).
 * </ol>
 *
 * Phase 1 streams the inputs up to three times (count of non-zero variances, the top-k threshold
 * with {@link MagnitudeSelect}, the sums of squares), holding a few blocks; phase 2 applies the
 * mask, weights and erasure to any range. Thread-safe after construction.
 */
final class SceMerge extends TaskVectorMerge {
  private final double selectTopk;
  private volatile Selection selection;

  /** The variance mask (ALL when nothing is deselected) and the models' weights. */
  private record Selection(TopMask mask, float[] weights) {}

  /**
   * @param target where the merged task vector is added (the base unless {@code onto})
   * @param count elements merged: the first {@code count} of every input
   * @param block elements per phase-1 read
   */
  SceMerge(double selectTopk, Tensor base, Tensor target, Tensor[] models, long count, int block) {
    super(base, target, models, count, block);
    this.selectTopk = selectTopk;
  }

  @Override
  public void prepare() {
    if (selection != null) {
      return;
    }
    synchronized (this) {
      if (selection == null) {
        TopMask mask = selectTopk < 1 ? selectByVariance() : TopMask.ALL;
        selection = new Selection(mask, weights(mask));
      }
    }
  }

  /** Step 1: the set of the top {@code ⌊select_topk·m⌋} variances. */
  private TopMask selectByVariance() {
    Scratch s = new Scratch(block);
    long nonZero = 0;
    for (long from = 0; from < count; from += block) {
      int n = (int) Math.min(block, count - from);
      float[] v = s.work(1);
      variances(taskVectors(from, n, s), n, v);
      for (int i = 0; i < n; i++) {
        nonZero += v[i] != 0 ? 1 : 0;
      }
      release(from, n);
    }
    long k = MagnitudeSelect.topCount(selectTopk, nonZero);
    if (k == 0) {
      return TopMask.NONE;
    }
    ConcurrentLinkedQueue<Scratch> idle = new ConcurrentLinkedQueue<>(); // one scratch per reading thread
    MagnitudeSelect.RangeSource source = (from, n, dst, spare) -> {
      Scratch own = idle.poll();
      own = own != null ? own : new Scratch(block);
      variances(taskVectors(from, n, own), n, dst[0]);
      idle.add(own);
      release(from, n);
    };
    return MagnitudeSelect.top(source, 1, count, block, new long[][] {{k}})[0][0];
  }

  /** Step 2: each model's mean square over the selected positions, normalized to sum 1. */
  private float[] weights(TopMask mask) {
    Scratch s = new Scratch(block);
    double[] squares = new double[models.length];
    for (long from = 0; from < count; from += block) {
      int n = (int) Math.min(block, count - from);
      float[][] d = select(taskVectors(from, n, s), from, n, mask, s);
      for (int k = 0; k < models.length; k++) {
        for (int i = 0; i < n; i++) {
          squares[k] += (double) d[k][i] * d[k][i]; // in index order: the sum does not depend on the block
        }
      }
      release(from, n);
    }
    double total = 0;
    for (double q : squares) {
      total += q / count;
    }
    float[] w = new float[models.length];
    for (int k = 0; k < w.length; k++) {
      w[k] = (float) (total == 0 ? 1.0 / w.length : squares[k] / count / total);
    }
    return w;
  }

  /** Population variance across the models of each position, in double, rounded to float. */
  private static void variances(float[][] d, int n, float[] out) {
    for (int i = 0; i < n; i++) {
      double mean = 0;
      for (float[] dk : d) {
        mean += dk[i];
      }
      mean /= d.length;
      double m2 = 0;
      for (float[] dk : d) {
        m2 += (dk[i] - mean) * (dk[i] - mean);
      }
      out[i] = (float) (m2 / d.length);
    }
  }

  /** Zeroes the task vectors at the positions outside {@code mask}. */
  private static float[][] select(float[][] d, long from, int n, TopMask mask, Scratch s) {
    if (mask == TopMask.ALL) {
      return d;
    }
    float[] v = s.work(1);
    variances(d, n, v);
    for (int i = 0; i < n; i++) {
      if (!mask.holds(v[i], from + i)) {
        for (float[] dk : d) {
          dk[i] = 0;
        }
      }
    }
    return d;
  }

  /** Step 3 on elements {@code [from, from + n)}. */
  @Override
  public void compute(long from, int n, float[] out, int off, Scratch s) {
    Selection sel = selection;
    float[][] d = select(taskVectors(from, n, s), from, n, sel.mask(), s);
    float[] t = targetValues(from, n, s);
    float[] w = sel.weights();
    for (int i = 0; i < n; i++) {
      float sum = 0;
      for (float[] dk : d) {
        sum += dk[i];
      }
      float sign = sum >= 0 ? 1 : -1;
      float mixed = 0;
      float div = 0;
      for (int k = 0; k < d.length; k++) {
        if (Math.signum(d[k][i]) == sign) {
          mixed += w[k] * d[k][i];
          div += w[k];
        }
      }
      out[off + i] = t[i] + mixed / (div == 0 ? 1 : div);
    }
  }
}
