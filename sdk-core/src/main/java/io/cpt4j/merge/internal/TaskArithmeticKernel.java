package io.cpt4j.merge.internal;

import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeMethod;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The per-tensor computation of every merge method, in float32: mergekit's generalized task
 * arithmetic (sparsify → weight → optional sign consensus → sum → optional normalize → λ → add) and
 * the plain weighted average of {@code linear}. Pure: the result depends only on the arguments, not
 * on threading (large tensors are processed in parallel chunks). Stateless and thread-safe.
 */
final class TaskArithmeticKernel {
  private TaskArithmeticKernel() {}

  /** How task vectors are sparsified before they are combined. */
  enum Sparsify { NONE, MAGNITUDE, RANDOM }

  /** A method reduced to the knobs of the generalized rule. */
  record Rule(boolean linear, Sparsify sparsify, boolean consensus, boolean normalize, double lambda, long seed) {
    static Rule of(MergeMethod m) {
      return switch (m) {
        case MergeMethod.Linear l -> new Rule(true, Sparsify.NONE, false, l.normalize(), 1, 0);
        case MergeMethod.TaskArithmetic t -> new Rule(false, Sparsify.NONE, false, t.normalize(), t.lambda(), 0);
        case MergeMethod.Ties t -> new Rule(false, Sparsify.MAGNITUDE, true, t.normalize(), t.lambda(), 0);
        case MergeMethod.DareLinear d -> new Rule(false, Sparsify.RANDOM, false, d.normalize(), d.lambda(), d.seed());
        case MergeMethod.DareTies d -> new Rule(false, Sparsify.RANDOM, true, d.normalize(), d.lambda(), d.seed());
        case MergeMethod.ChatVector c -> new Rule(false, Sparsify.NONE, false, false, c.ratio(), 0);
        case MergeMethod.Breadcrumbs b -> throw notYet(m);
        case MergeMethod.BreadcrumbsTies b -> throw notYet(m);
        case MergeMethod.Slerp sl -> throw notYet(m);
        case MergeMethod.ModelStock ms -> throw notYet(m);
      };
    }
  }

  private static MergeException notYet(MergeMethod m) {
    return new MergeException(m.name() + " is not implemented yet");
  }

  /** Elements per parallel chunk; smaller tensors are computed on the calling thread. */
  static final int CHUNK = 1 << 16;

  /**
   * Computes one merged tensor.
   *
   * @param base the reference values (task vectors are {@code models[k] − base})
   * @param target the values the merged vector is added to (may be {@code base} itself)
   * @param models the models' values; overwritten (they become the sparsified task vectors)
   * @return a new array
   */
  static float[] compute(Rule rule, String name, float[] base, float[] target, float[][] models,
      double[] weights, double[] densities) {
    int n = target.length;
    float[] out = new float[n];
    float[] w = new float[weights.length];
    for (int k = 0; k < w.length; k++) {
      w[k] = (float) weights[k];
    }
    if (rule.linear()) {
      parallel(n, (from, to) -> linear(rule.normalize(), models, w, out, from, to));
      return out;
    }
    for (int k = 0; k < models.length; k++) {
      float[] d = models[k];
      parallel(n, (from, to) -> {
        for (int i = from; i < to; i++) {
          d[i] -= base[i];
        }
      });
      if (densities[k] < 1) {
        switch (rule.sparsify()) {
          case MAGNITUDE -> keepLargest(d, (int) (densities[k] * n));
          case RANDOM -> dropAndRescale(d, densities[k], DropPattern.key(rule.seed(), name, k));
          case NONE -> { }
        }
      }
    }
    float lambda = (float) rule.lambda();
    parallel(n, (from, to) -> combine(rule, models, w, target, lambda, out, from, to));
    return out;
  }

  private static void linear(boolean normalize, float[][] x, float[] w, float[] out, int from, int to) {
    float wsum = 0;
    for (float v : w) {
      wsum += v;
    }
    float div = normalize && Math.abs(wsum) >= 1e-8f ? wsum : 1;
    for (int i = from; i < to; i++) {
      float s = 0;
      for (int k = 0; k < x.length; k++) {
        s += w[k] * x[k][i];
      }
      out[i] = s / div;
    }
  }

  private static void combine(Rule rule, float[][] d, float[] w, float[] target, float lambda, float[] out,
      int from, int to) {
    float wsum = 0;
    for (float v : w) {
      wsum += v;
    }
    float plainDiv = Math.abs(wsum) < 1e-8f ? 1 : wsum;
    for (int i = from; i < to; i++) {
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
      out[i] = target[i] + lambda * mixed;
    }
  }

  /**
   * Zeroes all but the {@code k} entries of largest magnitude (ties at the threshold are kept in
   * index order until {@code k} are kept); {@code k = 0} zeroes everything.
   */
  static void keepLargest(float[] d, int k) {
    int n = d.length;
    if (k >= n) {
      return;
    }
    if (k <= 0) {
      Arrays.fill(d, 0);
      return;
    }
    float[] mags = new float[n];
    for (int i = 0; i < n; i++) {
      mags[i] = Math.abs(d[i]);
    }
    Arrays.parallelSort(mags);
    float threshold = mags[n - k];
    mags = null;
    int greater = 0;
    for (float v : d) {
      if (Math.abs(v) > threshold) {
        greater++;
      }
    }
    int equalsLeft = k - greater;
    for (int i = 0; i < n; i++) {
      float a = Math.abs(d[i]);
      if (a > threshold) {
        continue;
      }
      if (a == threshold && equalsLeft > 0) {
        equalsLeft--;
      } else {
        d[i] = 0;
      }
    }
  }

  /** DARE: keeps each entry with probability {@code density} (seeded per element), scaled by 1/density. */
  static void dropAndRescale(float[] d, double density, long key) {
    float scale = (float) (1 / density);
    parallel(d.length, (from, to) -> {
      for (int i = from; i < to; i++) {
        d[i] = DropPattern.keeps(key, i, density) ? d[i] * scale : 0;
      }
    });
  }

  interface Range {
    void run(int from, int to);
  }

  static void parallel(int n, Range body) {
    if (n <= CHUNK) {
      body.run(0, n);
      return;
    }
    int chunks = (n + CHUNK - 1) / CHUNK;
    IntStream.range(0, chunks).parallel().forEach(c -> body.run(c * CHUNK, Math.min(n, (c + 1) * CHUNK)));
  }
}
