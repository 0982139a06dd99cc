package io.cpt4j.merge.internal.methods;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.merge.MergeMethod;
import io.cpt4j.merge.internal.engine.Derivation;
import io.cpt4j.merge.internal.engine.InputPages;
import io.cpt4j.merge.internal.engine.Scratch;

/**
 * One tensor of {@code slerp}, {@code model_stock} or {@code nearswap}, chunk by chunk: phase 1
 * streams the base and the models once to accumulate the statistics in double ({@link
 * SlerpKernel.Stats}: dot product and norms; {@link ModelStockKernel.Stats}: pairwise dot products of
 * the task vectors, per tensor or per row; nearswap needs none), phase 2 applies the per-element
 * formula to any range. Thread-safe after construction.
 */
final class InterpolationMerge implements Derivation {
  private final MergeMethod method;
  private final String name;
  private final Tensor base;
  private final Tensor[] models;
  private final double t;
  private final long rowLength;
  private final long count;
  private final int block;
  private volatile SlerpKernel.Coefficients slerp;
  private volatile ModelStockKernel.Ratios ratios;

  /**
   * @param t slerp's position or nearswap's threshold for this tensor (ignored by model_stock)
   * @param rowLength model_stock's row length ({@link ModelStockKernel#rowLength}; ignored by slerp)
   * @param count elements merged: the first {@code count} of every input
   * @param block elements per phase-1 read
   */
  InterpolationMerge(MergeMethod method, String name, Tensor base, Tensor[] models, double t, long rowLength,
      long count, int block) {
    if (!(method instanceof MergeMethod.Slerp || method instanceof MergeMethod.ModelStock
        || method instanceof MergeMethod.Nearswap)) {
      throw new IllegalArgumentException(method.name() + " is not an interpolation");
    }
    this.method = method;
    this.name = name;
    this.base = base;
    this.models = models.clone();
    this.t = t;
    this.rowLength = rowLength;
    this.count = count;
    this.block = block;
  }

  @Override
  public long count() {
    return count;
  }

  @Override
  public void prepare() {
    if (slerp != null || ratios != null || method instanceof MergeMethod.Nearswap) {
      return;
    }
    synchronized (this) {
      if (slerp != null || ratios != null) {
        return;
      }
      int len = (int) Math.min(block, Math.max(1, count));
      float[] b = new float[len];
      float[][] x = new float[models.length][len];
      boolean isSlerp = method instanceof MergeMethod.Slerp;
      SlerpKernel.Stats ss = isSlerp ? new SlerpKernel.Stats() : null;
      ModelStockKernel.Stats ms = isSlerp ? null : new ModelStockKernel.Stats(count, rowLength, models.length);
      for (long from = 0; from < count; from += len) {
        int n = (int) Math.min(len, count - from);
        base.readFloats(from, b, 0, n);
        for (int k = 0; k < models.length; k++) {
          models[k].readFloats(from, x[k], 0, n);
        }
        if (isSlerp) {
          ss.add(b, x[0], n);
        } else {
          ms.add(from, b, x, n);
        }
        release(from, n); // resident memory stays one block, not the tensor
      }
      if (isSlerp) {
        slerp = SlerpKernel.coefficients(ss, t);
      } else {
        ratios = ModelStockKernel.ratios(ms, name);
      }
    }
  }

  @Override
  public void release(long from, long n) {
    InputPages.release(from, n, models);
    InputPages.release(from, n, base);
  }

  @Override
  public void compute(long from, int n, float[] out, int off, Scratch s) {
    float[] b = s.work(0);
    float[] mixed = s.work(1);
    float[][] x = s.inputs(models.length);
    base.readFloats(from, b, 0, n);
    for (int k = 0; k < models.length; k++) {
      models[k].readFloats(from, x[k], 0, n);
    }
    if (method instanceof MergeMethod.Nearswap) {
      nearswap((float) t, b, x[0], mixed, n);
    } else if (slerp != null) {
      SlerpKernel.apply(slerp, b, x[0], mixed, n);
    } else {
      ModelStockKernel.apply(ratios, from, b, x, mixed, n);
    }
    System.arraycopy(mixed, 0, out, off, n);
  }

  /**
   * NearSwap in float32, as mergekit computes it: {@code w = t / |b − x|} clamped to [0, 1], 1 where
   * it is NaN ({@code b = x}, or a NaN input), then {@code w·x + (1 − w)·b}.
   */
  static void nearswap(float t, float[] b, float[] x, float[] out, int n) {
    for (int i = 0; i < n; i++) {
      float w = t / Math.abs(b[i] - x[i]);
      w = Float.isNaN(w) ? 1 : Math.min(1f, w);
      out[i] = w * x[i] + (1 - w) * b[i];
    }
  }
}
