package io.cpt4j.merge.internal.methods;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.merge.MergeMethod;
import io.cpt4j.merge.internal.engine.Scratch;
import java.util.Arrays;

/**
 * One tensor of {@code ram} and {@code ramplus_tl} (Reinforced Agent Merging; mergekit's {@code
 * ram.py}), chunk by chunk. With task vectors {@code δₖ = xₖ − base}, all in float32:
 *
 * <ol>
 *   <li>model {@code k} contributes to element {@code i} when {@code |δₖ[i]| > epsilon} (epsilon
 *       rounded to float32, as torch compares a float32 tensor with a Python float); {@code c[i]}
 *       models contribute to it;
 *   <li>{@code ramplus_tl} only, phase 1: over the whole tensor, {@code sharedₖ} counts the elements
 *       model {@code k} contributes to with others ({@code c > 1}), {@code uniqueₖ} those it
 *       contributes to alone ({@code c = 1}); {@code ρₖ = sharedₖ / max(uniqueₖ, epsilon)} and {@code
 *       λₖ = 1 + r·clamp(ρₖ, 0, alpha)}, in double rounded once to float32 ({@code ram}: {@code λₖ =
 *       1});
 *   <li>the result is {@code target + λₖ·δₖ[i]} where {@code c = 1} ({@code k} the contributor),
 *       {@code target + Σ δₖ[i] / c} over the contributors (in model order) where {@code c > 1}, and
 *       the target where {@code c = 0}.
 * </ol>
 *
 * The counts are exact integers, so the result does not depend on the chunking. Phase 1 streams the
 * inputs once, a block at a time. Thread-safe after construction.
 */
final class RamMerge extends TaskVectorMerge {
  private final double r;
  private final double alpha;
  private final double epsilon;
  private final float threshold;
  private volatile float[] lambdas;

  /**
   * @param method {@code ram} or {@code ramplus_tl}
   * @param target where the merged task vector is added (the base unless {@code onto})
   * @param count elements merged: the first {@code count} of every input
   * @param block elements per phase-1 read
   */
  RamMerge(MergeMethod method, Tensor base, Tensor target, Tensor[] models, long count, int block) {
    super(base, target, models, count, block);
    switch (method) {
      case MergeMethod.Ram ram -> {
        this.r = 0;
        this.alpha = 0;
        this.epsilon = ram.epsilon();
      }
      case MergeMethod.RamplusTl plus -> {
        this.r = plus.r();
        this.alpha = plus.alpha();
        this.epsilon = plus.epsilon();
      }
      default -> throw new IllegalArgumentException(method.name() + " is not a RAM method");
    }
    this.threshold = (float) epsilon;
  }

  @Override
  public void prepare() {
    if (lambdas != null) {
      return;
    }
    synchronized (this) {
      if (lambdas == null) {
        lambdas = r == 0 ? ones() : rescaling();
      }
    }
  }

  private float[] ones() {
    float[] one = new float[models.length];
    Arrays.fill(one, 1f);
    return one;
  }

  /** Step 2: each model's λₖ from its shared and unique counts over the tensor. */
  private float[] rescaling() {
    long[] shared = new long[models.length];
    long[] unique = new long[models.length];
    Scratch s = new Scratch(block);
    for (long from = 0; from < count; from += block) {
      int n = (int) Math.min(block, count - from);
      float[][] d = taskVectors(from, n, s);
      for (int i = 0; i < n; i++) {
        int c = contributors(d, i);
        for (int k = 0; k < d.length && c > 0; k++) {
          if (contributes(d[k][i])) {
            shared[k] += c > 1 ? 1 : 0;
            unique[k] += c == 1 ? 1 : 0;
          }
        }
      }
      release(from, n);
    }
    float[] lambda = new float[models.length];
    for (int k = 0; k < lambda.length; k++) {
      // a model without unique elements has no use for λ (mergekit's 0/0 with epsilon 0 would be NaN)
      double rho = unique[k] == 0 ? 0 : shared[k] / Math.max((double) unique[k], epsilon);
      lambda[k] = (float) (1 + r * Math.min(Math.max(rho, 0), alpha));
    }
    return lambda;
  }

  private boolean contributes(float delta) {
    return Math.abs(delta) > threshold;
  }

  /** Step 1: how many models contribute to element {@code i}. */
  private int contributors(float[][] d, int i) {
    int c = 0;
    for (float[] dk : d) {
      c += contributes(dk[i]) ? 1 : 0;
    }
    return c;
  }

  /** Step 3 on elements {@code [from, from + n)}. */
  @Override
  public void compute(long from, int n, float[] out, int off, Scratch s) {
    float[] lambda = lambdas;
    float[][] d = taskVectors(from, n, s);
    float[] t = targetValues(from, n, s);
    for (int i = 0; i < n; i++) {
      int c = contributors(d, i);
      float merged = 0;
      for (int k = 0; k < d.length && c > 0; k++) {
        float dk = d[k][i];
        if (contributes(dk)) {
          merged += c == 1 ? dk * lambda[k] : dk / c;
        }
      }
      out[off + i] = t[i] + merged;
    }
  }
}
