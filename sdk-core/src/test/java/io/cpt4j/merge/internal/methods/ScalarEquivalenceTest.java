package io.cpt4j.merge.internal.methods;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.merge.MergeMethod;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The engine's loops (vectorisable, branch-free consensus, masks as bit operations) must give bit
 * for bit the result of the rule written element by element in float32 — the previous engine's
 * formulation, restated here — including zeros, ±∞, NaN, negative and zero weights.
 */
class ScalarEquivalenceTest {

  /** The rule element by element, in float32, as the previous engine computed it. */
  static float[] scalar(TaskArithmeticKernel.Rule rule, String name, float[] base, float[][] models, double[] weights,
      double[] densities) {
    int n = base.length;
    float[] w = new float[weights.length];
    float wsum = 0;
    for (int k = 0; k < w.length; k++) {
      w[k] = (float) weights[k];
      wsum += w[k];
    }
    float[] out = new float[n];
    if (rule.linear()) {
      float div = rule.normalize() && Math.abs(wsum) >= 1e-8f ? wsum : 1;
      for (int i = 0; i < n; i++) {
        float s = 0;
        for (int k = 0; k < models.length; k++) {
          s += w[k] * models[k][i];
        }
        out[i] = s / div;
      }
      return out;
    }
    float[][] d = new float[models.length][n];
    for (int k = 0; k < models.length; k++) {
      for (int i = 0; i < n; i++) {
        d[k][i] = models[k][i] - base[i];
      }
      if (densities[k] < 1) {
        switch (rule.sparsify()) {
          case MAGNITUDE -> keepTop(d[k], (long) (densities[k] * n));
          case RANDOM -> {
            float scale = (float) (1 / densities[k]);
            long key = DropPattern.key(rule.seed(), name, k);
            for (int i = 0; i < n; i++) {
              d[k][i] = DropPattern.keeps(key, i, densities[k]) ? d[k][i] * scale : 0;
            }
          }
          case NONE -> { }
          default -> throw new AssertionError(rule);
        }
      }
    }
    float plainDiv = Math.abs(wsum) < 1e-8f ? 1 : wsum;
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
      out[i] = base[i] + lambda * mixed;
    }
    return out;
  }

  /** Keeps the k largest magnitudes (ranked by the bits of |x|, so NaN above +∞; ties by index). */
  static void keepTop(float[] d, long k) {
    Integer[] order = IntStream.range(0, d.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingInt((Integer i) -> -(Float.floatToRawIntBits(d[i]) & 0x7fffffff))
        .thenComparing(i -> i));
    for (int r = (int) Math.min(k, d.length); r < d.length; r++) {
      d[order[r]] = 0;
    }
  }

  static float special(SplittableRandom r) {
    return switch (r.nextInt(40)) {
      case 0 -> Float.NaN;
      case 1 -> Float.POSITIVE_INFINITY;
      case 2 -> Float.NEGATIVE_INFINITY;
      case 3, 4, 5 -> 0f;
      case 6 -> -0f;
      case 7, 8 -> 0.25f; // tied magnitudes
      default -> (float) r.nextGaussian();
    };
  }

  @Test
  void everyMethodEqualsTheElementwiseRuleBitForBit() {
    SplittableRandom r = new SplittableRandom(17);
    int n = 3000;
    List<MergeMethod> methods = List.of(new MergeMethod.Ties(0.8, true), new MergeMethod.Ties(1.3, false),
        new MergeMethod.DareTies(1, true, 4), new MergeMethod.DareLinear(0.5, true, 2),
        new MergeMethod.TaskArithmetic(0.7, true), new MergeMethod.TaskArithmetic(1, false),
        new MergeMethod.Linear(), new MergeMethod.Linear(false));
    double[][] weightSets = {{1, 0.5, 0.7}, {1, -1, 0.5}, {0, 1, 2}, {1, -1, 0}};
    for (MergeMethod m : methods) {
      for (double[] weights : weightSets) {
        float[] base = new float[n];
        float[][] models = new float[3][n];
        for (int i = 0; i < n; i++) {
          base[i] = special(r);
          for (float[] x : models) {
            x[i] = r.nextInt(4) == 0 ? base[i] : special(r); // some zero task-vector entries
          }
        }
        double[] densities = {0.4, 1, 0.75};
        TaskArithmeticKernel.Rule rule = TaskArithmeticKernel.Rule.of(m);
        float[] want = scalar(rule, "w", base, models, weights, densities);
        float[] got = TaskArithmeticKernel.compute(rule, "w", base, base, models, weights, densities);
        for (int i = 0; i < n; i++) {
          if (Float.floatToIntBits(got[i]) != Float.floatToIntBits(want[i])) {
            throw new AssertionError(m + " weights " + Arrays.toString(weights) + " [" + i + "]: " + got[i] + " vs "
                + want[i]);
          }
        }
        assertThat(got).hasSize(n);
      }
    }
  }
}
