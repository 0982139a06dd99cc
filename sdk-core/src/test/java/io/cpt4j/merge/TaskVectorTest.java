package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.doubles;
import static io.cpt4j.merge.MergeFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TaskVector against float64 references on tiny random checkpoints (F32, sharded BF16 and F16 inputs). */
class TaskVectorTest extends MergeFixtures.WithCheckpoints {
  final ModelConfig config = TestCheckpoints.tinyLlama();
  Checkpoint base;
  Checkpoint a;
  Checkpoint b;

  @BeforeEach
  void checkpoints() {
    base = keep(random(dir.resolve("base"), config, 1));
    a = keep(random(dir.resolve("a"), config, 2, DType.BF16, 4096)); // sharded, BF16
    b = keep(random(dir.resolve("b"), config, 3, DType.F16, Long.MAX_VALUE));
  }

  static float[] values(TaskVector v, String name) {
    return v.tensor(name).toFloatArray();
  }

  @Test
  void betweenIsTunedMinusBaseRoundedOnceToFloat32() {
    TaskVector v = TaskVector.between(base, a);
    assertThat(v.tensors().stream().map(TensorInfo::name).toList())
        .isEqualTo(base.tensors().stream().map(TensorInfo::name).toList());
    assertThat(v.tensors()).allSatisfy(t -> assertThat(t.dtype()).isEqualTo(DType.F32));
    assertThat(v.elementCount()).isEqualTo(base.parameterCount());
    for (TensorInfo t : base.tensors()) {
      double[] x = doubles(a, t.name());
      double[] o = doubles(base, t.name());
      float[] got = values(v, t.name());
      for (int i = 0; i < got.length; i++) {
        assertThat(got[i]).as("%s[%d]", t.name(), i).isEqualTo((float) (x[i] - o[i])); // exact
      }
    }
  }

  @Test
  void chunkedReadsEqualTheWholeTensor() {
    TaskVector v = TaskVector.between(base, a).times(0.3).plus(TaskVector.between(base, b));
    String name = "model.embed_tokens.weight";
    float[] whole = values(v, name);
    Tensor t = v.tensor(name);
    float[] part = new float[37];
    for (int from = 0; from < whole.length; from += 37) {
      int n = Math.min(37, whole.length - from);
      t.readFloats(from, part, 0, n);
      for (int i = 0; i < n; i++) {
        assertThat(part[i]).isEqualTo(whole[from + i]);
      }
    }
  }

  @Test
  void linearCombinationsMatchAFloat64ReferenceWithinOneRounding() {
    TaskVector va = TaskVector.between(base, a);
    TaskVector vb = TaskVector.between(base, b);
    TaskVector v = va.plus(vb.times(0.5)).minus(va.times(0.25)).times(-2.0);
    assertThat(v.expression()).contains(a.directory().toString(), b.directory().toString(), " - ", "0.5 * ");
    for (TensorInfo t : base.tensors()) {
      double[] o = doubles(base, t.name());
      double[] x = doubles(a, t.name());
      double[] y = doubles(b, t.name());
      float[] got = values(v, t.name());
      for (int i = 0; i < got.length; i++) {
        double want = -2.0 * ((x[i] - o[i]) + 0.5 * (y[i] - o[i]) - 0.25 * (x[i] - o[i]));
        // one float32 rounding of a float64 sum: within one ulp of the float32 reference
        assertThat((double) got[i]).as("%s[%d]", t.name(), i)
            .isCloseTo(want, org.assertj.core.data.Offset.offset((double) Math.ulp((float) want)));
      }
    }
  }

  @Test
  void algebraicIdentitiesHoldExactly() {
    TaskVector va = TaskVector.between(base, a);
    TaskVector vb = TaskVector.between(base, b);
    for (TensorInfo t : base.tensors()) {
      assertThat(values(va.minus(va), t.name())).containsOnly(0f);
      assertThat(values(va.times(0), t.name())).containsOnly(0f);
      assertThat(values(va.plus(vb), t.name())).containsExactly(values(vb.plus(va), t.name()));
      // (a − base) − (b − base) = a − b: the base cancels
      float[] ab = values(va.minus(vb), t.name());
      double[] x = doubles(a, t.name());
      double[] y = doubles(b, t.name());
      for (int i = 0; i < ab.length; i++) {
        assertThat(ab[i]).isEqualTo((float) (x[i] - y[i]));
      }
    }
  }

  @Test
  void applyingTheVectorToItsBaseGivesTheTunedModelExactly() {
    Path out = dir.resolve("applied");
    MergeReport r = TaskVector.between(base, a).applyTo(base).writeTo(out);
    assertThat(r.mergedTensors()).isEqualTo(base.tensors().size());
    // a second handle on the base: no identity cancellation, base + (a − base) in float64 is still exact
    Path out2 = dir.resolve("applied-reopened");
    try (Checkpoint again = Checkpoint.open(base.directory())) {
      TaskVector.between(base, a).applyTo(again).writeTo(out2);
    }
    Checkpoint c = keep(Checkpoint.open(out));
    Checkpoint c2 = keep(Checkpoint.open(out2));
    assertThat(c.config()).isEqualTo(base.config());
    for (TensorInfo t : base.tensors()) {
      assertThat(c.tensor(t.name()).dtype()).isEqualTo(DType.F32); // the target's dtype is kept
      assertThat(c.tensor(t.name()).toFloatArray()).as(t.name()).containsExactly(a.tensor(t.name()).toFloatArray());
      assertThat(c2.tensor(t.name()).toFloatArray()).as(t.name()).containsExactly(a.tensor(t.name()).toFloatArray());
    }
  }

  @Test
  void filteredVectorLeavesTheOtherTensorsOfTheTarget() {
    TaskVector v = TaskVector.between(base, a).excluding(".*(embed_tokens|lm_head).*").times(0.5);
    assertThat(v.tensors()).noneMatch(t -> t.name().contains("embed_tokens") || t.name().contains("lm_head"));
    Path out = dir.resolve("chat");
    MergeReport r = v.applyTo(b).dtype(DType.BF16).maxShardSize(4096).writeTo(out);
    assertThat(r.copiedTensors()).isEqualTo(2);
    Checkpoint c = keep(Checkpoint.open(out));
    assertThat(c.files().size()).isGreaterThan(1);
    for (TensorInfo t : b.tensors()) {
      float[] got = c.tensor(t.name()).toFloatArray();
      assertThat(c.tensor(t.name()).dtype()).isEqualTo(DType.BF16);
      double[] tgt = doubles(b, t.name());
      double[] x = doubles(a, t.name());
      double[] o = doubles(base, t.name());
      boolean skipped = t.name().contains("embed_tokens") || t.name().contains("lm_head");
      for (int i = 0; i < got.length; i++) {
        double want = skipped ? tgt[i] : tgt[i] + 0.5 * (x[i] - o[i]);
        assertThat((double) got[i]).as("%s[%d]", t.name(), i) // BF16 output: 8 significant bits
            .isCloseTo(want, org.assertj.core.data.Offset.offset(Math.abs(want) * 0x1p-8 + 1e-30));
      }
    }
  }

  @Test
  void theChatVectorRecipeAgreesWithTheMergeEngine() {
    // cpt + 0.8·(instruct − base) without embeddings / LM head, once as a task vector, once as a Merge
    TaskVector v = TaskVector.between(base, a).excluding(MergeMethod.ChatVector.DEFAULT_SKIP).times(0.8);
    v.applyTo(b).writeTo(dir.resolve("vector"));
    Merge.builder(new MergeMethod.ChatVector(0.8), base).model(a).onto(b).build().writeTo(dir.resolve("engine"));
    Checkpoint x = keep(Checkpoint.open(dir.resolve("vector")));
    Checkpoint y = keep(Checkpoint.open(dir.resolve("engine")));
    for (TensorInfo t : b.tensors()) {
      float[] p = x.tensor(t.name()).toFloatArray();
      float[] q = y.tensor(t.name()).toFloatArray();
      for (int i = 0; i < p.length; i++) {
        // float64 with one rounding here, float32 steps in the engine: a few ulps apart at most
        assertThat(p[i]).as("%s[%d]", t.name(), i)
            .isCloseTo(q[i], org.assertj.core.data.Offset.offset(4 * Math.ulp(Math.abs(q[i]) + 0.05f)));
      }
    }
  }

  @Test
  void saveAndLoadRoundTripBitExactInF32() {
    TaskVector v = TaskVector.between(base, a);
    Path file = dir.resolve("instruct.safetensors");
    v.save(file);
    try (TaskVector.Stored loaded = TaskVector.load(file)) {
      Map<String, String> meta = loaded.store().metadata();
      assertThat(meta).containsEntry("format", "pt").containsEntry("base", base.directory().toString())
          .containsEntry("tuned", a.directory().toString()).containsEntry("task_vector", v.expression());
      assertThat(loaded.expression()).isEqualTo(v.expression());
      assertThat(loaded.tensors()).isEqualTo(v.tensors());
      for (TensorInfo t : v.tensors()) {
        assertThat(loaded.store().tensor(t.name()).dtype()).isEqualTo(DType.F32);
        assertThat(values(loaded, t.name())).containsExactly(values(v, t.name()));
      }
      // a loaded vector (float32 δ, rounded once) applied to its base gives the tuned model within
      // the two float32 roundings of base + round(a − base)
      Path out = dir.resolve("from-file");
      loaded.applyTo(base).writeTo(out);
      Checkpoint c = keep(Checkpoint.open(out));
      for (TensorInfo t : base.tensors()) {
        float[] got = c.tensor(t.name()).toFloatArray();
        float[] want = a.tensor(t.name()).toFloatArray();
        float[] o = base.tensor(t.name()).toFloatArray();
        for (int i = 0; i < got.length; i++) {
          assertThat(got[i]).isCloseTo(want[i],
              org.assertj.core.data.Offset.offset(Math.ulp(Math.abs(want[i]) + Math.abs(o[i]))));
        }
      }
    }
    assertThat(dir).isDirectoryNotContaining("glob:**.tmp*");
  }

  @Test
  void vectorsWithDifferentTensorSetsAddAsUnion() {
    TaskVector attention = TaskVector.between(base, a).including(".*self_attn.*");
    TaskVector mlp = TaskVector.between(base, b).including(".*mlp.*");
    TaskVector both = attention.plus(mlp);
    assertThat(both.tensors()).hasSize(attention.tensors().size() + mlp.tensors().size());
    String q = "model.layers.1.self_attn.q_proj.weight";
    assertThat(values(both, q)).containsExactly(values(TaskVector.between(base, a), q));
    assertThatThrownBy(() -> mlp.tensor(q)).isInstanceOf(MergeException.class).hasMessageContaining(q);
  }

  @Test
  void mismatchedCheckpointsAreRefusedListingTheFirstMismatches() {
    ModelConfig wider = config.newBuilder().intermediateSize(32).build();
    Checkpoint other = keep(random(dir.resolve("wider"), wider, 5));
    assertThatThrownBy(() -> TaskVector.between(base, other))
        .isInstanceOf(MergeException.class)
        .hasMessageContaining("cannot take the task vector")
        .hasMessageContaining("mlp.gate_proj.weight has shape [32, 16]")
        .hasMessageContaining("and 1 more");
    Checkpoint neox = keep(random(dir.resolve("neox"), TestCheckpoints.tinyNeox(), 6));
    assertThatThrownBy(() -> TaskVector.between(base, neox)).isInstanceOf(MergeException.class)
        .hasMessageContaining("GPT_NEOX");
    assertThatThrownBy(() -> TaskVector.between(other, other).plus(TaskVector.between(base, a)))
        .isInstanceOf(MergeException.class).hasMessageContaining("different shapes");
    assertThatThrownBy(() -> TaskVector.between(base, a).applyTo(other).writeTo(dir.resolve("x")))
        .isInstanceOf(MergeException.class).hasMessageContaining("cannot apply");
    assertThat(dir.resolve("x")).doesNotExist();
    assertThatThrownBy(() -> TaskVector.between(base, a).times(Double.NaN)).isInstanceOf(MergeException.class);
  }

  @Test
  void loadRefusesNonFloatTensors() throws Exception {
    Path file = dir.resolve("ints.safetensors");
    Safetensors.write(file, List.of(TestCheckpoints.RawTensor.of("x", DType.I32, new long[] {2}, new byte[8])),
        null, Map.of());
    assertThatThrownBy(() -> TaskVector.load(file)).isInstanceOf(MergeException.class)
        .hasMessageContaining("tensor x is I32");
    assertThat(Files.exists(file)).isTrue();
    try (TensorStore s = Safetensors.open(file)) {
      assertThat(s.tensors()).hasSize(1); // still readable: load closed its own handle only
    }
  }
}
