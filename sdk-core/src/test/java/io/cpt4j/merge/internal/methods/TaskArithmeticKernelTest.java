package io.cpt4j.merge.internal.methods;

import static io.cpt4j.merge.MergeFixtures.doubles;
import static io.cpt4j.merge.MergeFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeMethod;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TIES on hand-made vectors with a known sign election, and DARE's drop pattern and rescale. */
class TaskArithmeticKernelTest {
  static final TaskArithmeticKernel.Rule TIES = TaskArithmeticKernel.Rule.of(new MergeMethod.Ties());

  static float[] ties(float[] base, double[] densities, float[]... models) {
    double[] w = new double[models.length];
    java.util.Arrays.fill(w, 1);
    float[][] copies = new float[models.length][];
    for (int k = 0; k < models.length; k++) {
      copies[k] = models[k].clone();
    }
    return TaskArithmeticKernel.compute(TIES, "t", base, base, copies, w, densities);
  }

  @Test
  void tiesKeepsTheEntriesAgreeingWithTheElectedSignAndAveragesThem() {
    float[] base = {0, 0, 0, 0};
    float[] m1 = {1, -2, 3, 0.5f};
    float[] m2 = {-3, 1, 1, -0.5f};
    // sums -2, -1, 4, 0 elect -, -, +, + (a zero sum elects +)
    assertThat(ties(base, new double[] {1, 1}, m1, m2)).containsExactly(-3, -2, 2, 0.5f);
  }

  @Test
  void tiesTrimsEachTaskVectorToItsLargestMagnitudesBeforeTheElection() {
    float[] base = {1, 1, 1, 1};
    float[] m1 = {2, -1, 4, 1.5f};   // δ = 1, -2, 3, 0.5 → density 0.5 keeps -2 and 3
    float[] m2 = {-2, 2, 2, 0.5f};   // δ = -3, 1, 1, -0.5 → kept whole
    // trimmed δ1 = 0, -2, 3, 0; sums -3, -1, 4, -0.5 → elected -, -, +, -
    assertThat(ties(base, new double[] {0.5, 1}, m1, m2)).containsExactly(1 - 3, 1 - 2, 1 + 2, 1 - 0.5f);
  }

  @Test
  void keepLargestKeepsExactlyKEvenWithTiedMagnitudes() {
    float[] d = {1, -1, 1, -1, 0.5f};
    TaskArithmeticKernel.keepLargest(d, 3);
    assertThat(d).containsExactly(1, -1, 1, 0, 0);
  }

  @Test
  void dareKeepsAboutDensityOfTheEntriesRescaledAndIsReproducible() {
    int n = 300_000; // several parallel chunks
    float[] ones = new float[n];
    java.util.Arrays.fill(ones, 1);
    float[] a = ones.clone();
    float[] b = ones.clone();
    float[] other = ones.clone();
    TaskArithmeticKernel.dropAndRescale(a, 0.3, DropPattern.key(7, "w", 0));
    TaskArithmeticKernel.dropAndRescale(b, 0.3, DropPattern.key(7, "w", 0));
    TaskArithmeticKernel.dropAndRescale(other, 0.3, DropPattern.key(8, "w", 0));
    assertThat(a).containsExactly(b);
    assertThat(a).isNotEqualTo(other);
    int kept = 0;
    for (float v : a) {
      assertThat(v).isIn(0f, (float) (1 / 0.3));
      kept += v == 0 ? 0 : 1;
    }
    assertThat(kept / (double) n).isCloseTo(0.3, within(0.005));
    float[] renamed = ones.clone();
    TaskArithmeticKernel.dropAndRescale(renamed, 0.3, DropPattern.key(7, "v", 0));
    assertThat(renamed).as("another tensor name draws another pattern").isNotEqualTo(a);
  }

  @Test
  void dareAveragedOverSeedsIsTheUndroppedValue() {
    int n = 1000;
    int seeds = 400;
    double[] sum = new double[n];
    for (int s = 0; s < seeds; s++) {
      float[] d = new float[n];
      for (int i = 0; i < n; i++) {
        d[i] = 0.01f * (i % 17 - 8);
      }
      TaskArithmeticKernel.dropAndRescale(d, 0.25, DropPattern.key(s, "w", 0));
      for (int i = 0; i < n; i++) {
        sum[i] += d[i];
      }
    }
    double total = 0;
    double expected = 0;
    for (int i = 0; i < n; i++) {
      double v = 0.01f * (i % 17 - 8);
      // per element: variance v²(1/d − 1) = 3v², over 400 seeds σ ≈ 0.087|v|; 6σ
      assertThat(sum[i] / seeds).as("element %d", i).isCloseTo(v, within(0.52 * Math.abs(v) + 1e-9));
      total += Math.abs(sum[i] / seeds);
      expected += Math.abs(v);
    }
    assertThat(total / expected).isCloseTo(1, within(0.02));
  }

  @Test
  void dareTiesOnCheckpointsMatchesAFloat64Reference(@TempDir Path dir) {
    var config = TestCheckpoints.tinyLlama();
    try (Checkpoint base = random(dir.resolve("base"), config, 1);
        Checkpoint a = random(dir.resolve("a"), config, 2);
        Checkpoint b = random(dir.resolve("b"), config, 3)) {
      Merge.builder(new MergeMethod.DareTies(1.2, true, 42), base)
          .model(new MergeInput(a, 0.7, 0.4)).model(new MergeInput(b, 1.1, 0.6)).build().writeTo(dir.resolve("out"));
      try (Checkpoint out = Checkpoint.open(dir.resolve("out"))) {
        double[] w = {0.7, 1.1};
        double[] dens = {0.4, 0.6};
        Checkpoint[] models = {a, b};
        int ambiguous = 0;
        for (TensorInfo t : out.tensors()) {
          double[] o = doubles(base, t.name());
          double[] got = doubles(out, t.name());
          for (int i = 0; i < o.length; i++) {
            double s = 0;
            double[] wd = new double[2];
            for (int k = 0; k < 2; k++) {
              double delta = doubles(models[k], t.name())[i] - o[i];
              boolean keep = DropPattern.keeps(DropPattern.key(42, t.name(), k), i, dens[k]);
              wd[k] = keep ? w[k] * delta / dens[k] : 0;
              s += wd[k];
            }
            if (Math.abs(s) < 1e-6 * (Math.abs(wd[0]) + Math.abs(wd[1]))) {
              ambiguous++; // the vectors cancel within float32 rounding: either sign is a correct election
              continue;
            }
            double sign = s >= 0 ? 1 : -1;
            double mixed = 0;
            double div = 0;
            for (int k = 0; k < 2; k++) {
              if (Math.signum(wd[k]) == sign) {
                mixed += wd[k];
                div += w[k];
              }
            }
            double want = o[i] + 1.2 * mixed / (div == 0 ? 1 : div);
            assertThat(got[i]).as("%s[%d]", t.name(), i).isCloseTo(want, within(1e-5 + 1e-5 * Math.abs(want)));
          }
        }
        assertThat(ambiguous).isLessThan(5);
      }
    }
  }
}
