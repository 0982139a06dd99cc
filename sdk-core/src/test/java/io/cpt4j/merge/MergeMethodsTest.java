package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.disjointMean;
import static io.cpt4j.merge.MergeFixtures.doubles;
import static io.cpt4j.merge.MergeFixtures.random;
import static io.cpt4j.merge.MergeFixtures.tiesTrimmed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Each merge method against a float64 reference written here, on tiny random checkpoints, plus the
 * properties the issue asks for and the up-front checks.
 */
class MergeMethodsTest extends MergeFixtures.WithFourCheckpoints {
  /** The output has the base's tensors, in order, and every element matches (see the super method). */
  @Override
  protected void assertEveryElement(Checkpoint out, Function<String, double[]> reference) {
    assertThat(out.tensors().stream().map(TensorInfo::name).toList())
        .isEqualTo(base.tensors().stream().map(TensorInfo::name).toList());
    super.assertEveryElement(out, reference);
  }

  /** Equal up to float32 rounding of {@code (x − base) + base}. */
  static void assertClose(String name, double[] got, double[] want) {
    assertThat(got).hasSameSizeAs(want);
    for (int i = 0; i < got.length; i++) {
      assertThat(got[i]).as("%s[%d]", name, i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-7));
    }
  }

  @Test
  void linearIsTheNormalizedWeightedMean() {
    Checkpoint out = run(Merge.builder(new MergeMethod.Linear(), base)
        .model(MergeInput.of(a, 0.5)).model(MergeInput.of(b, 1.0)).model(MergeInput.of(c, 2.5)).build());
    assertEveryElement(out, name -> {
      double[] x = doubles(a, name), y = doubles(b, name), z = doubles(c, name);
      return IntStream.range(0, x.length).mapToDouble(i -> (0.5 * x[i] + y[i] + 2.5 * z[i]) / 4.0).toArray();
    });
  }

  @Test
  void taskArithmeticAddsLambdaTimesTheWeightedTaskVectors() {
    Checkpoint out = run(Merge.builder(new MergeMethod.TaskArithmetic(0.7, false), base)
        .model(MergeInput.of(a, 0.5)).model(MergeInput.of(b, -1.5)).build());
    assertEveryElement(out, name -> {
      double[] o = doubles(base, name), x = doubles(a, name), y = doubles(b, name);
      return IntStream.range(0, x.length)
          .mapToDouble(i -> o[i] + 0.7 * (0.5 * (x[i] - o[i]) - 1.5 * (y[i] - o[i]))).toArray();
    });
  }

  @Test
  void tiesTrimsElectsSignsAndTakesTheDisjointMean() {
    double[] w = {1.0, 0.6, 0.8};
    double[] density = {0.5, 0.3, 0.7};
    List<Checkpoint> models = List.of(a, b, c);
    Checkpoint out = run(Merge.builder(new MergeMethod.Ties(0.9, true), base)
        .model(new MergeInput(a, w[0], density[0])).model(new MergeInput(b, w[1], density[1]))
        .model(new MergeInput(c, w[2], density[2])).build());
    assertEveryElement(out, name -> {
      double[] o = doubles(base, name);
      int n = o.length;
      double[][] d = new double[3][];
      for (int k = 0; k < 3; k++) {
        d[k] = tiesTrimmed(doubles(models.get(k), name), o, density[k]); // the task vector as float32 holds it
      }
      double[] res = new double[n];
      for (int i = 0; i < n; i++) {
        res[i] = o[i] + 0.9 * disjointMean(w, d, i);
      }
      return res;
    });
  }

  @Test
  void chatVectorAddsTheInstructionResidualToTheCptModelButKeepsItsEmbeddings() {
    Checkpoint out = run(Merge.builder(new MergeMethod.ChatVector(0.8), base).onto(c).model(a).dtype(DType.F32)
        .build());
    assertEveryElement(out, name -> {
      double[] cpt = doubles(c, name);
      if (name.contains("embed_tokens") || name.contains("lm_head")) {
        return cpt;
      }
      double[] o = doubles(base, name), ins = doubles(a, name);
      return IntStream.range(0, o.length).mapToDouble(i -> cpt[i] + 0.8 * (ins[i] - o[i])).toArray();
    });
    Checkpoint kept = run(Merge.builder(new MergeMethod.ChatVector(0.8), base).onto(c).model(a).build());
    assertThat(kept.tensor("lm_head.weight").dtype()).as("the target's dtype by default").isEqualTo(DType.F16);
    assertThat(doubles(kept, "lm_head.weight")).isEqualTo(doubles(c, "lm_head.weight"));
  }

  @Test
  void excludedAndNotIncludedTensorsAreCopiedFromTheBase() {
    Checkpoint out = run(Merge.builder(new MergeMethod.TaskArithmetic(), base).model(a)
        .include("model\\.layers\\.1\\..*").exclude(".*mlp.*").build());
    for (TensorInfo t : out.tensors()) {
      boolean merged = t.name().startsWith("model.layers.1.") && !t.name().contains("mlp");
      if (merged) {
        assertClose(t.name(), doubles(out, t.name()), doubles(a, t.name()));
      } else {
        assertThat(doubles(out, t.name())).as(t.name()).isEqualTo(doubles(base, t.name()));
      }
    }
  }

  @Test
  void identicalInputsGiveTheInputAndLambdaZeroGivesTheBase() {
    Checkpoint same = run(Merge.builder(new MergeMethod.Ties(), base).model(a).model(a).build());
    Checkpoint zero = run(Merge.builder(new MergeMethod.TaskArithmetic(0, false), base).model(a).model(b).build());
    for (TensorInfo t : base.tensors()) {
      assertClose(t.name(), doubles(same, t.name()), doubles(a, t.name()));
      assertThat(doubles(zero, t.name())).isEqualTo(doubles(base, t.name()));
    }
  }

  @Test
  void tiesWithDensityOneAndOneModelEqualsTaskArithmetic() {
    Checkpoint ties = run(Merge.builder(new MergeMethod.Ties(0.5, false), base).model(MergeInput.of(b, 0.7)).build());
    Checkpoint ta = run(Merge.builder(new MergeMethod.TaskArithmetic(0.5, false), base)
        .model(MergeInput.of(b, 0.7)).build());
    for (TensorInfo t : base.tensors()) {
      assertThat(doubles(ties, t.name())).isEqualTo(doubles(ta, t.name()));
    }
  }

  @Test
  void outputDtypeIsChosenAndConfigIsCopied() {
    Checkpoint out = run(Merge.builder(new MergeMethod.Linear(), base).model(a).model(b).dtype(DType.BF16)
        .maxShardSize(8192).build());
    assertThat(out.tensors()).allMatch(t -> t.dtype() == DType.BF16);
    assertThat(out.files()).hasSizeGreaterThan(1);
    assertThat(out.config().architecture()).isEqualTo(config.architecture());
  }

  @Test
  void differentShapesAreRefusedListingTheFirstMismatches() {
    Checkpoint wide = keep(random(dir.resolve("wide"), config.newBuilder().intermediateSize(32).build(), 5));
    Merge merge = Merge.builder(new MergeMethod.Ties(), base).model(a).model(wide).build();
    assertThatThrownBy(() -> merge.writeTo(dir.resolve("never")))
        .isInstanceOf(MergeException.class)
        .hasMessageContaining("model.layers.0.mlp.gate_proj.weight has shape [32, 16]")
        .hasMessageContaining("and 1 more");
    assertThat(dir.resolve("never")).doesNotExist();
  }

  @Test
  void anotherArchitectureIsRefused() {
    Checkpoint neox = keep(random(dir.resolve("neox"), TestCheckpoints.tinyNeox(), 6));
    Merge merge = Merge.builder(new MergeMethod.Linear(), base).model(neox).build();
    assertThatThrownBy(() -> merge.writeTo(dir.resolve("never")))
        .isInstanceOf(MergeException.class).hasMessageContaining("GPT_NEOX");
  }

  @Test
  void chatVectorWithoutItsTargetIsRefused() {
    assertThatThrownBy(() -> Merge.builder(new MergeMethod.ChatVector(1), base).model(a).build())
        .isInstanceOf(MergeException.class).hasMessageContaining("onto(cpt)");
    assertThatThrownBy(() -> new MergeInput(a, 1, 0)).isInstanceOf(MergeException.class)
        .hasMessageContaining("density");
  }
}
