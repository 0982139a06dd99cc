package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.doubles;
import static io.cpt4j.merge.MergeFixtures.taskVector;
import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.TensorInfo;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * SCE against a float64 reference of FuseChat's select–calculate–erase as mergekit's {@code sce.py}
 * computes it, with and without the variance selection, and its edge properties.
 */
class SceTest extends MergeFixtures.WithFourCheckpoints {
  /**
   * The reference of one tensor: δₖ = xₖ − base; with {@code topk < 1} keep the ⌊topk·m⌋ positions
   * of largest population variance of the δₖ (m = positions of non-zero variance; variances as
   * float32 holds them, ties by index) and zero the rest; weights wₖ = Σδₖ² / Σₖ Σδₖ² (1/K when all
   * are 0); at each position keep the δₖ whose sign is that of Σₖ δₖ (≥ 0 is +, zero never agrees);
   * result {@code base + Σ wₖδₖ / Σ wₖ} over the kept ones (÷ 1 when none).
   */
  static double[] sce(double[] o, List<double[]> xs, double topk) {
    int n = o.length;
    int m = xs.size();
    double[][] d = new double[m][];
    for (int k = 0; k < m; k++) {
      d[k] = taskVector(xs.get(k), o);
    }
    if (topk < 1) {
      float[] var = new float[n];
      for (int i = 0; i < n; i++) {
        double mean = 0;
        for (double[] dk : d) {
          mean += dk[i] / m;
        }
        double v = 0;
        for (double[] dk : d) {
          v += (dk[i] - mean) * (dk[i] - mean) / m;
        }
        var[i] = (float) v;
      }
      long nonZero = IntStream.range(0, n).filter(i -> var[i] != 0).count();
      Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
      Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -var[i]).thenComparing(i -> i));
      for (int r = (int) (topk * nonZero); r < n; r++) {
        for (double[] dk : d) {
          dk[order[r]] = 0;
        }
      }
    }
    double[] w = new double[m];
    double total = 0;
    for (int k = 0; k < m; k++) {
      for (double v : d[k]) {
        w[k] += v * v;
      }
      total += w[k];
    }
    for (int k = 0; k < m; k++) {
      w[k] = total == 0 ? 1.0 / m : w[k] / total;
    }
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      double sum = 0;
      for (double[] dk : d) {
        sum += dk[i];
      }
      double sign = sum >= 0 ? 1 : -1;
      double mixed = 0;
      double div = 0;
      for (int k = 0; k < m; k++) {
        if (Math.signum(d[k][i]) == sign) {
          mixed += w[k] * d[k][i];
          div += w[k];
        }
      }
      out[i] = o[i] + mixed / (div == 0 ? 1 : div);
    }
    return out;
  }

  @Test
  void sceSelectsHighVarianceWeightsByMeanSquareAndErasesSignConflicts() {
    for (double topk : new double[] {0.3, 1}) {
      Checkpoint out = run(Merge.builder(new MergeMethod.Sce(topk), base).model(a).model(b).model(c).build());
      assertEveryElement(out, name -> sce(doubles(base, name),
          List.of(doubles(a, name), doubles(b, name), doubles(c, name)), topk));
    }
  }

  @Test
  void theVarianceSelectionKeepsTheTopkFractionOfPositions() {
    Checkpoint out = run(Merge.builder(new MergeMethod.Sce(0.25), base).model(a).model(b).build());
    for (TensorInfo t : base.tensors()) {
      double[] o = doubles(base, t.name());
      double[] got = doubles(out, t.name());
      long changed = IntStream.range(0, o.length).filter(i -> got[i] != o[i]).count();
      assertThat(changed).as(t.name()).isEqualTo((long) (0.25 * o.length)); // every variance is non-zero here
    }
  }

  @Test
  void identicalInputsGiveTheInputAndOneModelGivesThatModel() {
    Checkpoint same = run(Merge.builder(new MergeMethod.Sce(0.5), base).model(base).model(base).build());
    Checkpoint one = run(Merge.builder(new MergeMethod.Sce(1), base).model(a).build());
    for (TensorInfo t : base.tensors()) {
      assertThat(doubles(same, t.name())).as(t.name()).isEqualTo(doubles(base, t.name()));
      double[] x = doubles(a, t.name());
      double[] got = doubles(one, t.name());
      for (int i = 0; i < x.length; i++) {
        assertThat(got[i]).as("%s[%d]", t.name(), i).isCloseTo(x[i], org.assertj.core.data.Offset.offset(1e-7));
      }
    }
  }

  @Test
  void sceAddsToAnotherTarget() {
    Checkpoint out = run(Merge.builder(new MergeMethod.Sce(1), base).onto(c).model(a).model(b).dtype(DType.F32)
        .build());
    assertEveryElement(out, name -> {
      double[] o = doubles(base, name);
      double[] merged = sce(o, List.of(doubles(a, name), doubles(b, name)), 1);
      double[] onto = doubles(c, name);
      return IntStream.range(0, o.length).mapToDouble(i -> onto[i] + (merged[i] - o[i])).toArray();
    });
  }
}
