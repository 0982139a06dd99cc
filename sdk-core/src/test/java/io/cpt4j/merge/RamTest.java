package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.doubles;
import static io.cpt4j.merge.MergeFixtures.taskVector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ram} and {@code ramplus_tl} against a float64 reference of mergekit's {@code ram.py}, on
 * sparse task vectors as RL fine-tuning leaves them (so that elements are unchanged, changed by one
 * model, or by several), and their edge properties.
 */
class RamTest extends MergeFixtures.WithFourCheckpoints {
  /** Models that change a third of the base's elements each, and make changes below 1e-5 in another tenth. */
  Checkpoint s1;
  Checkpoint s2;
  Checkpoint s3;

  @BeforeEach
  void sparseModels() {
    s1 = keep(sparse("s1", 11));
    s2 = keep(sparse("s2", 12));
    s3 = keep(sparse("s3", 13));
  }

  /** The base with a third of its elements moved by N(0, 0.02²) and a tenth by at most 1e-7. */
  Checkpoint sparse(String name, long seed) {
    Random r = new Random(seed);
    List<Tensor> tensors = new ArrayList<>();
    for (TensorInfo t : base.tensors()) {
      float[] x = base.tensor(t.name()).toFloatArray();
      for (int i = 0; i < x.length; i++) {
        double u = r.nextDouble();
        x[i] += (float) (u < 1 / 3.0 ? r.nextGaussian() * 0.02 : u < 0.43 ? (r.nextDouble() - 0.5) * 2e-7 : 0);
      }
      tensors.add(Tensor.ofFloats(t.name(), t.shape().stream().mapToLong(Long::longValue).toArray(), x));
    }
    Path out = dir.resolve(name);
    CheckpointWriter.to(out).config(config).dtype(DType.F32).maxShardSize(Long.MAX_VALUE).write(tensors);
    return Checkpoint.open(out);
  }

  /**
   * The reference of one tensor: δₖ = xₖ − o (as float32 holds it); model k contributes to element i
   * when |δₖ[i]| > ε; c[i] models contribute; per model, shared = its elements with c > 1, unique =
   * those with c = 1, λ = 1 + r·clamp(shared / max(unique, ε), 0, α); result o + λₖδₖ where c = 1,
   * o + Σ δₖ / c over the contributors where c > 1, o where c = 0. {@code ram} is r = 0.
   */
  static double[] ram(double[] o, List<double[]> xs, double r, double alpha, double eps) {
    int n = o.length;
    int m = xs.size();
    double[][] d = new double[m][];
    for (int k = 0; k < m; k++) {
      d[k] = taskVector(xs.get(k), o);
    }
    int[] c = new int[n];
    for (double[] dk : d) {
      for (int i = 0; i < n; i++) {
        c[i] += Math.abs(dk[i]) > eps ? 1 : 0;
      }
    }
    double[] lambda = new double[m];
    for (int k = 0; k < m; k++) {
      double shared = 0;
      double unique = 0;
      for (int i = 0; i < n; i++) {
        if (Math.abs(d[k][i]) > eps) {
          shared += c[i] > 1 ? 1 : 0;
          unique += c[i] == 1 ? 1 : 0;
        }
      }
      lambda[k] = 1 + r * Math.clamp(shared / Math.max(unique, eps), 0, alpha);
    }
    double[] out = o.clone();
    for (int k = 0; k < m; k++) {
      for (int i = 0; i < n; i++) {
        if (Math.abs(d[k][i]) > eps) {
          out[i] += c[i] == 1 ? lambda[k] * d[k][i] : d[k][i] / c[i];
        }
      }
    }
    return out;
  }

  List<double[]> sparse(String name) {
    return List.of(doubles(s1, name), doubles(s2, name), doubles(s3, name));
  }

  Merge.Builder three(MergeMethod method) {
    return Merge.builder(method, base).model(s1).model(s2).model(s3);
  }

  @Test
  void ramKeepsUniqueChangesAndAveragesSharedOnes() {
    for (double eps : new double[] {1e-5, 0.01}) {
      Checkpoint out = run(three(new MergeMethod.Ram(eps)).build());
      assertEveryElement(out, name -> ram(doubles(base, name), sparse(name), 0, 0, eps));
    }
    // dense task vectors: every element is shared by the three models
    Checkpoint dense = run(Merge.builder(new MergeMethod.Ram(), base).model(a).model(b).model(c).build());
    assertEveryElement(dense, name -> ram(doubles(base, name), List.of(doubles(a, name), doubles(b, name),
        doubles(c, name)), 0, 0, 1e-5));
  }

  @Test
  void ramplusTlScalesEachModelsUniqueChangesByItsTensorsOverlap() {
    // defaults (shared/unique is about 1.25 here, so alpha = 0.2 caps it), an uncapped ratio, epsilon above the noise
    for (MergeMethod.RamplusTl m : List.of(new MergeMethod.RamplusTl(), new MergeMethod.RamplusTl(0.5, 5, 1e-5),
        new MergeMethod.RamplusTl(0.3, 5, 0.01))) {
      Checkpoint out = run(three(m).build());
      assertEveryElement(out, name -> ram(doubles(base, name), sparse(name), m.r(), m.alpha(), m.epsilon()));
    }
  }

  @Test
  void ramplusTlWithRZeroIsRamBitForBit() {
    Checkpoint plus = run(three(new MergeMethod.RamplusTl(0, 0.2, 1e-5)).build());
    Checkpoint ram = run(three(new MergeMethod.Ram(1e-5)).build());
    for (TensorInfo t : ram.tensors()) {
      assertThat(plus.tensor(t.name()).toFloatArray()).as(t.name()).containsExactly(ram.tensor(t.name()).toFloatArray());
    }
  }

  @Test
  void identicalModelsGiveThatModel() {
    // with epsilon 0 every change counts, and every change is shared by all: their mean is the change
    for (MergeMethod m : List.of(new MergeMethod.Ram(0), new MergeMethod.RamplusTl(0.1, 0.2, 0))) {
      assertClose(run(Merge.builder(m, base).model(a).model(a).build()), a);
      assertClose(run(Merge.builder(m, base).model(s1).model(s1).model(s1).build()), s1);
    }
  }

  @Test
  void oneModelGivesThatModelExceptChangesWithinEpsilonWhichStayTheBase() {
    for (MergeMethod m : List.of(new MergeMethod.Ram(), new MergeMethod.RamplusTl(), new MergeMethod.RamplusTl(1, 1, 0))) {
      double eps = m instanceof MergeMethod.RamplusTl p ? p.epsilon() : 1e-5;
      Checkpoint out = run(Merge.builder(m, base).model(s1).build());
      long reverted = 0;
      for (TensorInfo t : base.tensors()) {
        double[] o = doubles(base, t.name());
        double[] x = doubles(s1, t.name());
        double[] got = doubles(out, t.name());
        for (int i = 0; i < o.length; i++) {
          if (Math.abs((float) x[i] - (float) o[i]) > eps) {
            assertThat(got[i]).as("%s %s[%d]", m.name(), t.name(), i).isCloseTo(x[i], Offset.offset(1e-7));
          } else {
            assertThat(got[i]).as("%s %s[%d]", m.name(), t.name(), i).isEqualTo(o[i]);
            reverted += x[i] != o[i] ? 1 : 0;
          }
        }
      }
      if (eps == 0) {
        assertThat(reverted).as(m.name()).isZero();
      } else {
        assertThat(reverted).as("changes within epsilon, reverted to the base").isGreaterThan(100);
      }
    }
  }

  @Test
  void anEpsilonAboveEveryChangeGivesTheBase() {
    Checkpoint out = run(three(new MergeMethod.RamplusTl(0.1, 0.2, 1)).build());
    for (TensorInfo t : base.tensors()) {
      assertThat(doubles(out, t.name())).as(t.name()).isEqualTo(doubles(base, t.name()));
    }
  }

  @Test
  void ramplusTlAddsToAnotherTarget() {
    Checkpoint out = run(three(new MergeMethod.RamplusTl(0.5, 5, 1e-5)).onto(a).build());
    assertEveryElement(out, name -> {
      double[] o = doubles(base, name);
      double[] merged = ram(o, sparse(name), 0.5, 5, 1e-5);
      double[] onto = doubles(a, name);
      return IntStream.range(0, o.length).mapToDouble(i -> onto[i] + (merged[i] - o[i])).toArray();
    });
  }

  @Test
  void mergekitConfigsRunUnchanged() throws IOException {
    Path yaml = dir.resolve("ram.yaml");
    Files.writeString(yaml, """
        merge_method: ramplus_tl
        base_model: base
        models:
          - model: base
          - model: s1
          - model: s2
          - model: s3
        parameters:
          r: 0.5
          alpha: 5
          epsilon: 0.00001
        dtype: float32
        """);
    try (MergeConfig config = MergeConfig.load(yaml)) {
      assertThat(config.merge().method()).isEqualTo(new MergeMethod.RamplusTl(0.5, 5, 1e-5));
      assertThat(config.merge().models()).hasSize(3);
      assertThat(config.warnings()).isEmpty();
      config.writeTo(dir.resolve("from-yaml"), false);
    }
    Checkpoint out = keep(Checkpoint.open(dir.resolve("from-yaml")));
    Checkpoint java = run(three(new MergeMethod.RamplusTl(0.5, 5, 1e-5)).build());
    for (TensorInfo t : java.tensors()) {
      assertThat(out.tensor(t.name()).toFloatArray()).as(t.name()).containsExactly(java.tensor(t.name()).toFloatArray());
    }
    Files.writeString(yaml, "merge_method: ram\nbase_model: base\nmodels:\n  - model: s1\n    parameters: {weight: 1}\n");
    try (MergeConfig config = MergeConfig.load(yaml)) {
      assertThat(config.merge().method()).isEqualTo(new MergeMethod.Ram());
      assertThat(config.warnings()).singleElement().asString().contains("ram does not take weight");
    }
  }

  @Test
  void badParametersAreErrorsNamingTheParameter() throws IOException {
    Path yaml = dir.resolve("bad.yaml");
    for (String p : List.of("epsilon", "r", "alpha")) {
      Files.writeString(yaml, "merge_method: ramplus_tl\nbase_model: base\nmodels: [{model: s1}]\nparameters: {" + p
          + ": -0.5}\n");
      assertThatThrownBy(() -> MergeConfig.load(yaml).close()).isInstanceOf(MergeException.class)
          .hasMessageContaining(p + " must be finite and >= 0, got -0.5");
    }
    Files.writeString(yaml, "merge_method: ram\nmodels: [{model: s1}]\n");
    assertThatThrownBy(() -> MergeConfig.load(yaml).close()).isInstanceOf(MergeException.class)
        .hasMessageContaining("base_model: is required by ram");
  }

  void assertClose(Checkpoint got, Checkpoint want) {
    for (TensorInfo t : want.tensors()) {
      double[] x = doubles(want, t.name());
      double[] y = doubles(got, t.name());
      for (int i = 0; i < x.length; i++) {
        assertThat(y[i]).as("%s[%d]", t.name(), i).isCloseTo(x[i], Offset.offset(1e-7));
      }
    }
  }
}
