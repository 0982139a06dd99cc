package io.cpt4j.merge.internal.methods;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.merge.MergeMethod.Sparsification;
import io.cpt4j.merge.MergeMethod;
import io.cpt4j.merge.internal.engine.Scratch;
import io.cpt4j.merge.internal.select.MagnitudeSelect;
import java.util.stream.IntStream;

/**
 * The knobs of every merge method in float32: mergekit's generalized task arithmetic (sparsify →
 * weight → optional sign consensus → sum → optional normalize → λ → add) and the plain weighted
 * average of {@code linear}. The per-chunk computation lives in {@link TensorMerge}; this class
 * reduces a {@link MergeMethod} to a {@link Rule} (from its declaration, with no per-method case)
 * and offers whole-array helpers (used by tests).
 * Stateless and thread-safe.
 */
final class TaskArithmeticKernel {
  private TaskArithmeticKernel() {}

  /**
   * A method reduced to the knobs of the generalized rule: {@code linear}, or a {@link
   * MergeMethod.GeneralizedTaskArithmetic} method's declared sparsification and sign consensus with
   * its record's {@code normalize}, {@code lambda}, {@code seed} and {@code gamma}.
   */
  record Rule(boolean linear, Sparsification sparsify, boolean consensus, boolean normalize, double lambda, long seed,
      double gamma, double epsilon) {
    static Rule of(MergeMethod m) {
      return switch (m) {
        case MergeMethod.Linear l -> new Rule(true, Sparsification.NONE, false, l.normalize(), 1, 0, 0, 0);
        // passthrough: the one model times its scale, given per tensor as its weight
        case MergeMethod.Passthrough p -> new Rule(true, Sparsification.NONE, false, false, 1, 0, 0, 0);
        case MergeMethod.GeneralizedTaskArithmetic g -> new Rule(false, g.sparsification(), g.consensus(),
            g.normalize(), g.lambda(), g.seed(), g.gamma(), g.epsilon());
        case MergeMethod.Slerp s -> throw notTaskArithmetic(m, "InterpolationMerge");
        case MergeMethod.ModelStock ms -> throw notTaskArithmetic(m, "InterpolationMerge");
        case MergeMethod.Nearswap ns -> throw notTaskArithmetic(m, "InterpolationMerge");
        case MergeMethod.Sce sce -> throw notTaskArithmetic(m, "SceMerge");
        case MergeMethod.Ram _, MergeMethod.RamplusTl _ -> throw notTaskArithmetic(m, "RamMerge");
        case MergeMethod.Nuslerp n -> throw notTaskArithmetic(m, "SphericalMerge");
        case MergeMethod.Multislerp n -> throw notTaskArithmetic(m, "SphericalMerge");
        case MergeMethod.Karcher k -> throw notTaskArithmetic(m, "SphericalMerge");
      };
    }
  }

  private static IllegalArgumentException notTaskArithmetic(MergeMethod m, String where) {
    return new IllegalArgumentException(m.name() + " is computed by " + where + ", not the task-arithmetic rule");
  }

  /** Elements per parallel chunk of the whole-array helpers. */
  static final int CHUNK = 1 << 16;

  /**
   * Computes one merged tensor from whole arrays (the engine streams instead; see {@link
   * TensorMerge}).
   *
   * @param base the reference values (task vectors are {@code models[k] − base})
   * @param target the values the merged vector is added to (may be {@code base} itself)
   * @param models the models' values (not modified)
   * @return a new array
   */
  static float[] compute(Rule rule, String name, float[] base, float[] target, float[][] models,
      double[] weights, double[] densities) {
    int n = target.length;
    Tensor b = heap("base", base);
    Tensor t = target == base ? b : heap("target", target);
    Tensor[] x = new Tensor[models.length];
    for (int k = 0; k < x.length; k++) {
      x[k] = heap("model" + k, models[k]);
    }
    TensorMerge merge = new TensorMerge(rule, name, b, t, x, weights, densities, n, MagnitudeSelect.BLOCK);
    merge.prepare();
    float[] out = new float[n];
    parallel(n, (from, to) -> merge.compute(from, to - from, out, from,
        new Scratch(Math.max(1, to - from))));
    return out;
  }

  private static Tensor heap(String name, float[] data) {
    return Tensor.ofFloats(name, new long[] {data.length}, data);
  }

  /**
   * Zeroes all but the {@code k} entries of largest magnitude (ties at the threshold are kept in
   * index order until {@code k} are kept); {@code k = 0} zeroes everything.
   */
  static void keepLargest(float[] d, int k) {
    MagnitudeSelect.TopMask keep = MagnitudeSelect.top((from, n, dst, scratch) ->
        System.arraycopy(d, (int) from, dst[0], 0, n), 1, d.length, MagnitudeSelect.BLOCK, new long[][] {{k}})[0][0];
    for (int i = 0; i < d.length; i++) {
      if (!keep.holds(d[i], i)) {
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
