package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.ambiguousSign;
import static io.cpt4j.merge.MergeFixtures.byMagnitude;
import static io.cpt4j.merge.MergeFixtures.disjointMean;
import static io.cpt4j.merge.MergeFixtures.doubles;
import static io.cpt4j.merge.MergeFixtures.random;
import static io.cpt4j.merge.MergeFixtures.taskVector;
import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Model breadcrumbs (mergekit's {@code magnitude_outliers} sparsification) against a float64
 * reference written here, per element, within 1e-5 + 1e-5·|ref|; plus its properties.
 */
class BreadcrumbsTest extends MergeFixtures.WithCheckpoints {
  final ModelConfig config = TestCheckpoints.tinyLlama();
  Checkpoint base;
  Checkpoint a;
  Checkpoint b;

  @BeforeEach
  void checkpoints() {
    base = keep(random(dir.resolve("base"), config, 1));
    a = keep(random(dir.resolve("a"), config, 2, DType.BF16, Long.MAX_VALUE));
    b = keep(random(dir.resolve("b"), config, 3));
  }

  /**
   * mergekit's magnitude_outliers on the float32 task vector: with n entries, keep {@code
   * int(density·n)} after dropping the {@code int(gamma·n)} largest, dropping fewer largest when
   * both do not fit; magnitudes ranked descending, ties by index.
   */
  static double[] outliersTrimmed(double[] x, double[] o, double density, double gamma) {
    int n = o.length;
    double[] d = taskVector(x, o);
    if (density >= 1) {
      return d;
    }
    long keep = (long) (density * n);
    long top = (long) (gamma * n);
    long bottom = n - keep - top;
    if (bottom < 0) {
      top += bottom;
    }
    Integer[] order = byMagnitude(d);
    double[] out = new double[n];
    for (long r = top; r < top + keep; r++) {
      out[order[(int) r]] = d[order[(int) r]];
    }
    return out;
  }


  @Test
  void breadcrumbsDropsOutliersAndSmallEntriesThenAddsTheWeightedSum() {
    Checkpoint out = run(Merge.builder(new MergeMethod.Breadcrumbs(0.8, false, 0.1), base)
        .model(new MergeInput(a, 0.7, 0.5)).model(new MergeInput(b, 1.2, 0.95)).build());
    assertEveryElement(out, name -> {
      double[] o = doubles(base, name);
      double[] da = outliersTrimmed(doubles(a, name), o, 0.5, 0.1);
      double[] db = outliersTrimmed(doubles(b, name), o, 0.95, 0.1); // 0.95 + 0.1 > 1: fewer outliers dropped
      return IntStream.range(0, o.length).mapToDouble(i -> o[i] + 0.8 * (0.7 * da[i] + 1.2 * db[i])).toArray();
    });
  }

  @Test
  void breadcrumbsTiesElectsSignsAndTakesTheDisjointMean() {
    double[] w = {0.9, 0.6};
    Checkpoint out = run(Merge.builder(new MergeMethod.BreadcrumbsTies(1.1, true, 0.05), base)
        .model(new MergeInput(a, w[0], 0.4)).model(new MergeInput(b, w[1], 0.7)).build());
    int[] ambiguous = {0};
    for (TensorInfo t : out.tensors()) {
      double[] o = doubles(base, t.name());
      double[][] d = {outliersTrimmed(doubles(a, t.name()), o, 0.4, 0.05),
          outliersTrimmed(doubles(b, t.name()), o, 0.7, 0.05)};
      double[] got = doubles(out, t.name());
      for (int i = 0; i < o.length; i++) {
        if (ambiguousSign(w, d, i)) {
          ambiguous[0]++; // either sign is a correct election
          continue;
        }
        double want = o[i] + 1.1 * disjointMean(w, d, i);
        assertThat(got[i]).as("%s[%d]", t.name(), i).isCloseTo(want, Offset.offset(1e-5 + 1e-5 * Math.abs(want)));
      }
    }
    assertThat(ambiguous[0]).isLessThan(5);
  }

  @Test
  void densityOneIsTaskArithmeticAndGammaZeroIsTies() {
    Checkpoint crumbs = run(Merge.builder(new MergeMethod.Breadcrumbs(0.6, false, 0.2), base)
        .model(MergeInput.of(a, 0.7)).model(MergeInput.of(b, 1.3)).build());
    Checkpoint ta = run(Merge.builder(new MergeMethod.TaskArithmetic(0.6, false), base)
        .model(MergeInput.of(a, 0.7)).model(MergeInput.of(b, 1.3)).build());
    Checkpoint crumbsTies = run(Merge.builder(new MergeMethod.BreadcrumbsTies(0.9, true, 0), base)
        .model(new MergeInput(a, 0.7, 0.3)).model(new MergeInput(b, 1.3, 0.6)).build());
    Checkpoint ties = run(Merge.builder(new MergeMethod.Ties(0.9, true), base)
        .model(new MergeInput(a, 0.7, 0.3)).model(new MergeInput(b, 1.3, 0.6)).build());
    for (TensorInfo t : base.tensors()) {
      assertThat(doubles(crumbs, t.name())).as(t.name()).isEqualTo(doubles(ta, t.name()));
      assertThat(doubles(crumbsTies, t.name())).as(t.name()).isEqualTo(doubles(ties, t.name()));
    }
  }

  @Test
  void keepsExactlyTheDensityFractionBelowTheOutliers() {
    Checkpoint out = run(Merge.builder(new MergeMethod.Breadcrumbs(1, false, 0.1), base)
        .model(new MergeInput(a, 1, 0.3)).build());
    for (TensorInfo t : out.tensors()) {
      double[] o = doubles(base, t.name());
      double[] x = doubles(a, t.name());
      double[] got = doubles(out, t.name());
      int n = o.length;
      double maxKept = 0;
      double minKept = Double.MAX_VALUE;
      int kept = 0;
      double[] dropped = new double[n];
      int nd = 0;
      for (int i = 0; i < n; i++) {
        double delta = (float) ((float) x[i] - (float) o[i]);
        if (got[i] != o[i]) {
          kept++;
          maxKept = Math.max(maxKept, Math.abs(delta));
          minKept = Math.min(minKept, Math.abs(delta));
        } else {
          dropped[nd++] = Math.abs(delta);
        }
      }
      assertThat(kept).as(t.name()).isEqualTo((int) (0.3 * n));
      double hi = maxKept;
      long above = Arrays.stream(dropped, 0, nd).filter(m -> m > hi).count();
      assertThat(above).as("outliers dropped from %s", t.name()).isEqualTo((long) (0.1 * n));
      double lo = minKept;
      assertThat(Arrays.stream(dropped, 0, nd).filter(m -> m < hi).allMatch(m -> m <= lo)).isTrue();
    }
  }
}
