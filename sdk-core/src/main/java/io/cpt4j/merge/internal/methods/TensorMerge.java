package io.cpt4j.merge.internal.methods;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.merge.MergeMethod.Sparsification;
import io.cpt4j.merge.internal.engine.Derivation;
import io.cpt4j.merge.internal.engine.InputPages;
import io.cpt4j.merge.internal.engine.Scratch;
import io.cpt4j.merge.internal.methods.TaskArithmeticKernel.Rule;
import io.cpt4j.merge.internal.select.MagnitudeSelect.TopMask;
import io.cpt4j.merge.internal.select.MagnitudeSelect;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;

/**
 * The merge of one tensor by the generalized task-arithmetic rule (and {@code linear}), computed
 * chunk by chunk from the memory-mapped inputs: the {@link Derivation} of a merged tensor. {@link #prepare}
 * (phase 1, once) streams the inputs to find what needs the whole tensor: for magnitude trimming
 * (TIES) and outlier trimming (breadcrumbs) each model's exact magnitude threshold and tie cutoff
 * ({@link MagnitudeSelect}); DELLA's rank sampling needs whole rows, which {@link RankSampling} reads
 * in phase 2. {@link #compute} (phase 2) then produces any element range from the
 * same range of the inputs, so the result does not depend on how the range is chunked or threaded.
 * Only the first {@link #count} elements of every input take part (all of them, unless vocabularies
 * differ: then the rows shared by all inputs).
 *
 * <p>Thread-safe: {@link #compute} may run on many threads at once, each with its own {@link
 * Scratch} (per-model input buffers and six work buffers).
 */
final class TensorMerge extends TaskVectorMerge {
  private final Rule rule;
  private final String name;
  private final float[] w;
  private final double[] densities;
  private final float linearDiv;
  private final float plainDiv;
  private final RankSampling[] rankSampling; // DELLA, per model; null entries: no sampling
  private volatile TopMask[][] masks; // per model: {keep} or {keep, drop}; null entry: no trimming

  /**
   * @param base the reference of the task vectors (unused by {@code linear})
   * @param target where the merged vector is added (may be {@code base})
   * @param count elements merged: the first {@code count} of every input
   * @param block elements per read in phase 1
   */
  TensorMerge(Rule rule, String name, Tensor base, Tensor target, Tensor[] models, double[] weights,
      double[] densities, long count, int block) {
    this(rule, name, base, target, models, weights, densities, count, block, Math.max(1, count));
  }

  /** @param rowLength elements per row, the unit DELLA ranks magnitudes in */
  TensorMerge(Rule rule, String name, Tensor base, Tensor target, Tensor[] models, double[] weights,
      double[] densities, long count, int block, long rowLength) {
    super(base, target, models, count, block);
    this.rule = rule;
    this.name = name;
    this.densities = densities.clone();
    this.w = new float[weights.length];
    float wsum = 0;
    for (int k = 0; k < w.length; k++) {
      w[k] = (float) weights[k];
      wsum += w[k];
    }
    this.linearDiv = rule.normalize() && Math.abs(wsum) >= 1e-8f ? wsum : 1;
    this.plainDiv = Math.abs(wsum) < 1e-8f ? 1 : wsum;
    this.rankSampling = new RankSampling[models.length];
    for (int k = 0; k < models.length && rule.sparsify() == Sparsification.RANK_SAMPLING && !rule.linear(); k++) {
      if (densities[k] < 1) {
        rankSampling[k] = new RankSampling(models[k], base, rowLength, densities[k], rule.epsilon(),
            DropPattern.key(rule.seed(), name, k));
      }
    }
  }

  /** The work buffers of {@link Scratch} this merge uses. */
  private static final int B = 0;
  private static final int T = 1;
  private static final int SUM = 2;
  private static final int SIGN = 3;
  private static final int MIXED = 4;
  private static final int DIV = 5;

  /** Phase 1: the whole-tensor statistics of the method; idempotent, thread-safe. */
  @Override
  public void prepare() {
    if (masks != null) {
      return;
    }
    synchronized (this) {
      if (masks != null) {
        return;
      }
      TopMask[][] m = new TopMask[models.length][];
      boolean trims = !rule.linear() && (rule.sparsify() == Sparsification.MAGNITUDE
          || rule.sparsify() == Sparsification.MAGNITUDE_OUTLIERS);
      int[] trimmed = IntStream.range(0, models.length).filter(k -> trims && densities[k] < 1).toArray();
      long[][] ks = new long[trimmed.length][];
      for (int s = 0; s < trimmed.length; s++) {
        long keep = (long) (densities[trimmed[s]] * count);
        if (rule.sparsify() == Sparsification.MAGNITUDE) {
          ks[s] = new long[] {keep};
        } else {
          // mergekit's magnitude_outliers: drop the gamma fraction of largest entries, then the
          // smallest so that density remains; fewer outliers are dropped if both do not fit
          long top = (long) (rule.gamma() * count);
          long bottom = count - keep - top;
          if (bottom < 0) {
            top += bottom;
          }
          ks[s] = new long[] {top + keep, top};
        }
      }
      if (trimmed.length > 0) {
        // the task vectors of all trimmed models, reading the base once per block
        MagnitudeSelect.RangeSource deltas = (from, n, dst, scratch) -> {
          base.readFloats(from, scratch, 0, n);
          for (int s = 0; s < trimmed.length; s++) {
            float[] d = dst[s];
            models[trimmed[s]].readFloats(from, d, 0, n);
            for (int i = 0; i < n; i++) {
              d[i] -= scratch[i];
            }
          }
          // each block's pages go as soon as it is read: resident memory stays a few blocks, not
          // the tensor (a later pass over the block refaults it from the page cache)
          InputPages.release(from, n, base);
          for (int k : trimmed) {
            InputPages.release(from, n, models[k]);
          }
        };
        TopMask[][] found = MagnitudeSelect.top(deltas, trimmed.length, count, block, ks);
        for (int s = 0; s < trimmed.length; s++) {
          m[trimmed[s]] = found[s];
        }
      }
      masks = m;
    }
  }

  /**
   * Phase 2: elements {@code [from, from + n)} into {@code out[off..off+n)}; needs {@link #prepare}
   * first and {@code n} at most the scratch length.
   */
  @Override
  public void compute(long from, int n, float[] out, int off, Scratch s) {
    for (int at = 0; at < n; at += SUB) {
      computeBlock(from + at, Math.min(SUB, n - at), out, off + at, s);
    }
  }

  /**
   * Elements per pass of {@link #computeBlock}: the rule takes about ten passes over the inputs'
   * buffers, which stay in the L1/L2 caches at this size (a whole chunk's would not).
   */
  static final int SUB = 4096;

  private void computeBlock(long from, int n, float[] out, int off, Scratch s) {
    float[][] x = s.inputs(models.length);
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
    float[] b = s.work(B);
    base.readFloats(from, b, 0, n);
    float[] t = b;
    if (target != base) {
      t = s.work(T);
      target.readFloats(from, t, 0, n);
    }
    TopMask[][] m = masks;
    for (int k = 0; k < models.length; k++) {
      float[] d = x[k];
      for (int i = 0; i < n; i++) {
        d[i] -= b[i];
      }
      if (densities[k] < 1) {
        sparsify(k, d, from, n, m[k], s);
      }
    }
    combine(x, t, n, out, off, s);
  }

  private void sparsify(int k, float[] d, long from, int n, TopMask[] mask, Scratch s) {
    switch (rule.sparsify()) {
      case MAGNITUDE -> mask[0].retain(d, from, n);
      case MAGNITUDE_OUTLIERS -> {
        mask[1].zeroHeld(d, from, n);
        mask[0].retain(d, from, n);
      }
      case RANDOM -> {
        double density = densities[k];
        float scale = (float) (1 / density);
        long key = DropPattern.key(rule.seed(), name, k);
        for (int i = 0; i < n; i++) {
          d[i] = DropPattern.keeps(key, from + i, density) ? d[i] * scale : 0;
        }
      }
      case RANK_SAMPLING -> rankSampling[k].apply(d, from, n);
      case NONE -> { }
    }
  }

  /**
   * Per element, the same float32 operations in the same order as the scalar rule (sum over models
   * in model order, then the division and λ), arranged as loops over elements so they vectorise.
   */
  private void combine(float[][] d, float[] target, int n, float[] out, int off, Scratch s) {
    float lambda = (float) rule.lambda();
    float[] mixed = s.work(MIXED);
    float[] div = s.work(DIV);
    if (rule.consensus()) {
      float[] sum = s.work(SUM);
      float[] sign = s.work(SIGN);
      java.util.Arrays.fill(sum, 0, n, 0);
      for (int k = 0; k < d.length; k++) {
        float wk = w[k];
        float[] dk = d[k];
        for (int i = 0; i < n; i++) {
          sum[i] += wk * dk[i];
        }
      }
      for (int i = 0; i < n; i++) {
        // the elected sign: + for a sum ≥ 0 (a sum is never −0: it starts at +0); as copySign(1, sum)
        // for every sum but NaN (handled below), in a form C2 vectorises
        float g = Math.signum(sum[i]);
        sign[i] = g + (1 - Math.abs(g));
      }
      java.util.Arrays.fill(mixed, 0, n, 0);
      java.util.Arrays.fill(div, 0, n, 0);
      for (int k = 0; k < d.length; k++) {
        float wk = w[k];
        float[] dk = d[k];
        for (int i = 0; i < n; i++) {
          // branch-free "if sign(wd) == elected: mixed += wd, div += wk" (agree ⇔ wd·sign > 0);
          // sign·p is exactly wd when it agrees, ±0 otherwise, and adding ±0 to a sum started at +0
          // changes nothing, so the sums equal the scalar rule's
          float wd = wk * dk[i];
          float p = Math.max(wd * sign[i], 0f);
          mixed[i] += sign[i] * p;
          div[i] += wk * Math.signum(p);
        }
      }
      int nan = 0; // any NaN among the sums (branch-free or-reduction over the magnitude bits)
      MemorySegment mb = MemorySegment.ofArray(mixed); // int views: loops C2 vectorises
      MemorySegment sb = MemorySegment.ofArray(sum);
      for (int i = 0; i < n; i++) {
        nan |= (0x7f800000 - (mb.getAtIndex(ValueLayout.JAVA_INT, i) & 0x7fffffff))
            | (0x7f800000 - (sb.getAtIndex(ValueLayout.JAVA_INT, i) & 0x7fffffff));
      }
      if (nan < 0) {
        for (int i = 0; i < n; i++) {
          if (Float.isNaN(mixed[i]) || Float.isNaN(sum[i])) {
            consensusScalar(d, i, mixed, div); // NaN inputs: the scalar rule's exact treatment
          }
        }
      }
      if (rule.normalize()) {
        for (int i = 0; i < n; i++) {
          float dv = div[i];
          mixed[i] /= dv + (1 - Math.signum(Math.abs(dv))); // a zero divisor counts as 1
        }
      }
    } else {
      java.util.Arrays.fill(mixed, 0, n, 0);
      for (int k = 0; k < d.length; k++) {
        float wk = w[k];
        float[] dk = d[k];
        for (int i = 0; i < n; i++) {
          mixed[i] += wk * dk[i];
        }
      }
      if (rule.normalize()) {
        for (int i = 0; i < n; i++) {
          mixed[i] /= plainDiv;
        }
      }
    }
    for (int i = 0; i < n; i++) {
      out[off + i] = target[i] + lambda * mixed[i];
    }
  }

  /** Entry {@code i} of the sign-consensus sum, element by element as the rule states it. */
  private void consensusScalar(float[][] d, int i, float[] mixed, float[] div) {
    float sum = 0;
    for (int k = 0; k < d.length; k++) {
      sum += w[k] * d[k][i];
    }
    float majority = sum >= 0 ? 1 : -1;
    float m = 0;
    float dv = 0;
    for (int k = 0; k < d.length; k++) {
      float wd = w[k] * d[k][i];
      if (Math.signum(wd) == majority) {
        m += wd;
        dv += w[k];
      }
    }
    mixed[i] = m;
    div[i] = dv;
  }
}
