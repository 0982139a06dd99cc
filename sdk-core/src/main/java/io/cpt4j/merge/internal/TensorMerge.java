package io.cpt4j.merge.internal;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.merge.internal.MagnitudeSelect.TopMask;
import io.cpt4j.merge.internal.TaskArithmeticKernel.Rule;

/**
 * The merge of one tensor, computed chunk by chunk from the memory-mapped inputs. {@link #prepare}
 * (phase 1, once) streams the inputs to find what needs the whole tensor: for magnitude trimming
 * (TIES) and outlier trimming (breadcrumbs) each model's exact magnitude threshold and tie cutoff
 * ({@link MagnitudeSelect}). {@link #compute} (phase 2) then produces any element range from the
 * same range of the inputs, so the result does not depend on how the range is chunked or threaded.
 * Only the first {@link #count} elements of every input take part (all of them, unless vocabularies
 * differ: then the rows shared by all inputs).
 *
 * <p>Thread-safe: {@link #compute} may run on many threads at once, each with its own {@link
 * Scratch}.
 */
final class TensorMerge {
  private final Rule rule;
  private final String name;
  private final Tensor base;
  private final Tensor target;
  private final Tensor[] models;
  private final float[] w;
  private final double[] densities;
  private final long count;
  private final int block;
  private final float linearDiv;
  private final float plainDiv;
  private volatile TopMask[][] masks; // per model: {keep} or {keep, drop}; null entry: no trimming

  /**
   * @param base the reference of the task vectors (unused by {@code linear})
   * @param target where the merged vector is added (may be {@code base})
   * @param count elements merged: the first {@code count} of every input
   * @param block elements per read in phase 1
   */
  TensorMerge(Rule rule, String name, Tensor base, Tensor target, Tensor[] models, double[] weights,
      double[] densities, long count, int block) {
    this.rule = rule;
    this.name = name;
    this.base = base;
    this.target = target;
    this.models = models.clone();
    this.densities = densities.clone();
    this.count = count;
    this.block = block;
    this.w = new float[weights.length];
    float wsum = 0;
    for (int k = 0; k < w.length; k++) {
      w[k] = (float) weights[k];
      wsum += w[k];
    }
    this.linearDiv = rule.normalize() && Math.abs(wsum) >= 1e-8f ? wsum : 1;
    this.plainDiv = Math.abs(wsum) < 1e-8f ? 1 : wsum;
  }

  long count() {
    return count;
  }

  int models() {
    return models.length;
  }

  /** Per-thread buffers for {@link #compute} of up to {@code length} elements. */
  static final class Scratch {
    final float[][] x;
    final float[] b;
    final float[] t;

    Scratch(int models, int length) {
      x = new float[models][length];
      b = new float[length];
      t = new float[length];
    }
  }

  /** Phase 1: the whole-tensor statistics of the method; idempotent, thread-safe. */
  void prepare() {
    if (masks != null) {
      return;
    }
    synchronized (this) {
      if (masks != null) {
        return;
      }
      TopMask[][] m = new TopMask[models.length][];
      boolean trims = rule.sparsify() == TaskArithmeticKernel.Sparsify.MAGNITUDE
          || rule.sparsify() == TaskArithmeticKernel.Sparsify.OUTLIERS;
      for (int k = 0; k < models.length && trims && !rule.linear(); k++) {
        if (densities[k] >= 1) {
          continue;
        }
        Tensor x = models[k];
        MagnitudeSelect.RangeSource delta = (from, n, dst, scratch) -> {
          x.readFloats(from, dst, 0, n);
          base.readFloats(from, scratch, 0, n);
          for (int i = 0; i < n; i++) {
            dst[i] -= scratch[i];
          }
        };
        long keep = (long) (densities[k] * count);
        if (rule.sparsify() == TaskArithmeticKernel.Sparsify.MAGNITUDE) {
          m[k] = MagnitudeSelect.top(delta, count, block, keep);
        } else {
          // mergekit's magnitude_outliers: drop the gamma fraction of largest entries, then the
          // smallest so that density remains; fewer outliers are dropped if both do not fit
          long top = (long) (rule.gamma() * count);
          long bottom = count - keep - top;
          if (bottom < 0) {
            top += bottom;
          }
          m[k] = MagnitudeSelect.top(delta, count, block, top + keep, top);
        }
      }
      masks = m;
    }
  }

  /**
   * Phase 2: elements {@code [from, from + n)} into {@code out[off..off+n)}; needs {@link #prepare}
   * first and {@code n} at most the scratch length.
   */
  void compute(long from, int n, float[] out, int off, Scratch s) {
    float[][] x = s.x;
    for (int k = 0; k < models.length; k++) {
      models[k].readFloats(from, x[k], 0, n);
    }
    if (rule.linear()) {
      for (int i = 0; i < n; i++) {
        float sum = 0;
        for (int k = 0; k < x.length; k++) {
          sum += w[k] * x[k][i];
        }
        out[off + i] = sum / linearDiv;
      }
      return;
    }
    float[] b = s.b;
    base.readFloats(from, b, 0, n);
    float[] t = b;
    if (target != base) {
      t = s.t;
      target.readFloats(from, t, 0, n);
    }
    TopMask[][] m = masks;
    for (int k = 0; k < models.length; k++) {
      float[] d = x[k];
      for (int i = 0; i < n; i++) {
        d[i] -= b[i];
      }
      if (densities[k] < 1) {
        sparsify(k, d, from, n, m[k]);
      }
    }
    combine(x, t, n, out, off);
  }

  private void sparsify(int k, float[] d, long from, int n, TopMask[] mask) {
    switch (rule.sparsify()) {
      case MAGNITUDE -> {
        TopMask keep = mask[0];
        for (int i = 0; i < n; i++) {
          if (!keep.holds(d[i], from + i)) {
            d[i] = 0;
          }
        }
      }
      case OUTLIERS -> {
        TopMask keep = mask[0];
        TopMask drop = mask[1];
        for (int i = 0; i < n; i++) {
          if (!keep.holds(d[i], from + i) || drop.holds(d[i], from + i)) {
            d[i] = 0;
          }
        }
      }
      case RANDOM -> {
        double density = densities[k];
        float scale = (float) (1 / density);
        long key = DropPattern.key(rule.seed(), name, k);
        for (int i = 0; i < n; i++) {
          d[i] = DropPattern.keeps(key, from + i, density) ? d[i] * scale : 0;
        }
      }
      case NONE -> { }
    }
  }

  private void combine(float[][] d, float[] target, int n, float[] out, int off) {
    float lambda = (float) rule.lambda();
    for (int i = 0; i < n; i++) {
      float mixed = 0;
      float div;
      if (rule.consensus()) {
        float s = 0;
        for (int k = 0; k < d.length; k++) {
          s += w[k] * d[k][i];
        }
        float majority = s >= 0 ? 1 : -1;
        div = 0;
        for (int k = 0; k < d.length; k++) {
          float wd = w[k] * d[k][i];
          if (Math.signum(wd) == majority) {
            mixed += wd;
            div += w[k];
          }
        }
        if (div == 0) {
          div = 1;
        }
      } else {
        for (int k = 0; k < d.length; k++) {
          mixed += w[k] * d[k][i];
        }
        div = plainDiv;
      }
      if (rule.normalize()) {
        mixed /= div;
      }
      out[off + i] = target[i] + lambda * mixed;
    }
  }
}
