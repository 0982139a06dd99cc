package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Grafting against a reference selection written here (a stable sort of |tuned − base| in float32,
 * ties in tensor then index order), on random checkpoints and on checkpoints with many tied deltas.
 */
class GraftTest extends MergeFixtures.WithCheckpoints {
  final ModelConfig config = TestCheckpoints.tinyLlama();
  Checkpoint base;
  Checkpoint tuned;

  @BeforeEach
  void checkpoints() {
    base = keep(random(dir.resolve("base"), config, 1));
    tuned = keep(random(dir.resolve("tuned"), config, 2, DType.BF16, 4096));
  }

  /** The reference mask: the k largest |t − b| over {@code names} together, stable (earlier wins ties). */
  static Map<String, boolean[]> referenceTop(Checkpoint b, Checkpoint t, List<String> names, long k) {
    List<float[]> deltas = new ArrayList<>();
    List<int[]> where = new ArrayList<>();
    for (int n = 0; n < names.size(); n++) {
      float[] x = b.tensor(names.get(n)).toFloatArray();
      float[] y = t.tensor(names.get(n)).toFloatArray();
      for (int i = 0; i < x.length; i++) {
        deltas.add(new float[] {Math.abs(y[i] - x[i])});
        where.add(new int[] {n, i});
      }
    }
    Integer[] order = IntStream.range(0, deltas.size()).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble(i -> -deltas.get(i)[0])); // stable
    Map<String, boolean[]> mask = new HashMap<>();
    for (String name : names) {
      mask.put(name, new boolean[(int) b.tensor(name).elementCount()]);
    }
    for (int r = 0; r < k; r++) {
      int[] w = where.get(order[r]);
      mask.get(names.get(w[0]))[w[1]] = true;
    }
    return mask;
  }

  /** Every tensor of {@code out} is tuned where {@code mask} is set, base elsewhere; returns the count. */
  long assertGrafted(Checkpoint out, Checkpoint b, Checkpoint t, Map<String, boolean[]> mask) {
    long count = 0;
    for (TensorInfo info : b.tensors()) {
      float[] got = out.tensor(info.name()).toFloatArray();
      float[] x = b.tensor(info.name()).toFloatArray();
      float[] y = t.tensor(info.name()).toFloatArray();
      boolean[] m = mask.get(info.name());
      for (int i = 0; i < got.length; i++) {
        boolean graft = m != null && m[i];
        count += graft ? 1 : 0;
        assertThat(got[i]).as("%s[%d] grafted=%s", info.name(), i, graft).isEqualTo(graft ? y[i] : x[i]);
      }
    }
    return count;
  }

  List<String> names(Checkpoint c, Predicate<String> keep) {
    return c.tensors().stream().map(TensorInfo::name).filter(keep).toList();
  }

  @Test
  void topPerTensorGraftsExactlyTheLargestDeltasOfEachTensor() {
    Path out = dir.resolve("per-tensor");
    GraftReport r = Graft.topPerTensor(base, tuned, 0.1).writeTo(out);
    Checkpoint c = keep(Checkpoint.open(out));
    Map<String, boolean[]> mask = new HashMap<>();
    long expected = 0;
    for (TensorInfo t : base.tensors()) {
      long k = (long) (0.1 * t.elementCount());
      expected += k;
      mask.putAll(referenceTop(base, tuned, List.of(t.name()), k));
    }
    assertThat(assertGrafted(c, base, tuned, mask)).isEqualTo(expected);
    assertThat(r.grafted()).isEqualTo(expected);
    assertThat(r.parameters()).isEqualTo(base.parameterCount());
    assertThat(r.fraction()).isEqualTo((double) expected / base.parameterCount());
    for (GraftReport.TensorGraft t : r.tensors()) {
      assertThat(t.grafted()).as(t.name()).isEqualTo((long) (0.1 * t.elements()));
      assertThat(t.threshold()).isPositive();
    }
    assertThat(c.config()).isEqualTo(base.config());
  }

  @Test
  void topGlobalGraftsExactlyTheLargestDeltasOfTheWholeModel() {
    Path out = dir.resolve("global");
    GraftReport r = Graft.topGlobal(base, tuned, 0.03).exclude(".*embed_tokens.*").writeTo(out);
    Checkpoint c = keep(Checkpoint.open(out));
    List<String> considered = names(base, n -> !n.contains("embed_tokens"));
    long total = considered.stream().mapToLong(n -> base.tensor(n).elementCount()).sum();
    long k = (long) (0.03 * total);
    assertThat(assertGrafted(c, base, tuned, referenceTop(base, tuned, considered, k))).isEqualTo(k);
    assertThat(r.grafted()).isEqualTo(k);
    assertThat(r.parameters()).isEqualTo(total);
    assertThat(r.tensors()).hasSize(considered.size());
    // the grafted entries concentrate where the deltas are largest: per-tensor counts vary
    assertThat(r.tensors().stream().mapToLong(GraftReport.TensorGraft::grafted).sum()).isEqualTo(k);
  }

  @Test
  void tiedMagnitudesAreTakenInTensorThenIndexOrderToGraftExactlyK() {
    // deltas in {−2, −1, 0, 1, 2}: thresholds fall inside large groups of equal magnitudes
    Random rnd = new Random(7);
    List<Tensor> b = new ArrayList<>();
    List<Tensor> t = new ArrayList<>();
    config.expectedTensors().forEach((name, shape) -> {
      long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
      int n = (int) TensorInfo.of(name, DType.F32, dims).elementCount();
      float[] x = new float[n];
      float[] y = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = rnd.nextInt(5) * 0.25f;
        y[i] = x[i] + (rnd.nextInt(5) - 2);
      }
      b.add(Tensor.ofFloats(name, dims, x));
      t.add(Tensor.ofFloats(name, dims, y));
    });
    CheckpointWriter.to(dir.resolve("tb")).config(config).write(b);
    CheckpointWriter.to(dir.resolve("tt")).config(config).write(t);
    Checkpoint tb = keep(Checkpoint.open(dir.resolve("tb")));
    Checkpoint tt = keep(Checkpoint.open(dir.resolve("tt")));
    List<String> all = names(tb, n -> true);

    for (double f : new double[] {0.07, 0.33, 0.9}) {
      Path out = dir.resolve("global-" + f);
      GraftReport r = Graft.topGlobal(tb, tt, f).writeTo(out);
      long k = (long) (f * tb.parameterCount());
      assertThat(r.grafted()).isEqualTo(k);
      assertThat(assertGrafted(keep(Checkpoint.open(out)), tb, tt, referenceTop(tb, tt, all, k))).isEqualTo(k);

      Path out2 = dir.resolve("per-tensor-" + f);
      GraftReport r2 = Graft.topPerTensor(tb, tt, f).writeTo(out2);
      Map<String, boolean[]> mask = new HashMap<>();
      for (String name : all) {
        mask.putAll(referenceTop(tb, tt, List.of(name), (long) (f * tb.tensor(name).elementCount())));
      }
      assertThat(assertGrafted(keep(Checkpoint.open(out2)), tb, tt, mask)).isEqualTo(r2.grafted());
    }
  }

  @Test
  void fractionZeroGivesTheBaseAndOneTheTunedModel() {
    GraftReport none = Graft.topGlobal(base, tuned, 0).writeTo(dir.resolve("none"));
    assertThat(none.grafted()).isZero();
    assertThat(assertGrafted(keep(Checkpoint.open(dir.resolve("none"))), base, tuned, Map.of())).isZero();
    GraftReport all = Graft.topPerTensor(base, tuned, 1).writeTo(dir.resolve("all"));
    assertThat(all.fraction()).isEqualTo(1.0);
    Checkpoint c = keep(Checkpoint.open(dir.resolve("all")));
    for (TensorInfo t : base.tensors()) {
      assertThat(c.tensor(t.name()).toFloatArray()).containsExactly(tuned.tensor(t.name()).toFloatArray());
    }
  }

  @Test
  void maskFileGraftsWhereItSaysOne() {
    Random rnd = new Random(3);
    Map<String, boolean[]> mask = new HashMap<>();
    List<Tensor> maskTensors = new ArrayList<>();
    List<String> names = names(base, n -> n.contains("layers.1.") || n.contains("lm_head"));
    for (String name : names) {
      long[] dims = base.tensor(name).info().dims();
      int n = (int) base.tensor(name).elementCount();
      boolean[] m = new boolean[n];
      byte[] bytes = new byte[n];
      for (int i = 0; i < n; i++) {
        m[i] = rnd.nextInt(10) == 0;
        bytes[i] = (byte) (m[i] ? 1 : 0);
      }
      mask.put(name, m);
      DType dtype = name.contains("lm_head") ? DType.BOOL : DType.U8;
      maskTensors.add(TestCheckpoints.RawTensor.of(name, dtype, dims, bytes));
    }
    Path file = dir.resolve("mask.safetensors");
    Safetensors.write(file, maskTensors, null, Map.of());
    GraftReport r = Graft.fromMask(base, tuned, file).dtype(DType.F32).writeTo(dir.resolve("masked"));
    long ones = assertGrafted(keep(Checkpoint.open(dir.resolve("masked"))), base, tuned, mask);
    assertThat(r.grafted()).isEqualTo(ones).isPositive();
    for (GraftReport.TensorGraft t : r.tensors()) {
      boolean[] m = mask.get(t.name());
      long want = m == null ? 0 : IntStream.range(0, m.length).filter(i -> m[i]).count();
      assertThat(t.grafted()).as(t.name()).isEqualTo(want);
      assertThat(t.threshold()).isNaN();
    }
  }

  @Test
  void aSavedTopKMaskReproducesTheGraft() {
    Path maskFile = dir.resolve("saved-mask.safetensors");
    GraftReport top = Graft.topGlobal(base, tuned, 0.05).exclude(".*lm_head.*").saveMask(maskFile)
        .writeTo(dir.resolve("top"));
    try (var store = Safetensors.open(maskFile)) {
      assertThat(store.metadata()).containsEntry("graft_mask", "top 0.05 global")
          .containsEntry("base", base.directory().toString());
      assertThat(store.tensors()).hasSize(top.tensors().size()).allMatch(t -> t.dtype() == DType.U8);
      for (GraftReport.TensorGraft t : top.tensors()) {
        var seg = store.tensor(t.name()).bytes();
        long ones = 0;
        for (long i = 0; i < t.elements(); i++) {
          ones += seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
        }
        assertThat(ones).as(t.name()).isEqualTo(t.grafted());
      }
    }
    GraftReport again = Graft.fromMask(base, tuned, maskFile).writeTo(dir.resolve("again"));
    assertThat(again.grafted()).isEqualTo(top.grafted());
    Checkpoint x = keep(Checkpoint.open(dir.resolve("top")));
    Checkpoint y = keep(Checkpoint.open(dir.resolve("again")));
    for (TensorInfo t : base.tensors()) {
      assertThat(y.tensor(t.name()).toFloatArray()).as(t.name()).containsExactly(x.tensor(t.name()).toFloatArray());
    }
  }

  @Test
  void badMasksAreRefusedNamingTheTensorAndNothingIsWritten() {
    String name = "model.layers.0.self_attn.q_proj.weight";
    long[] dims = base.tensor(name).info().dims();
    int n = (int) base.tensor(name).elementCount();
    byte[] two = new byte[n];
    two[5] = 2;
    assertBadMask(List.of(TestCheckpoints.RawTensor.of(name, DType.U8, dims, two)),
        "tensor " + name + " has value 2 at index 5");
    assertBadMask(List.of(TestCheckpoints.RawTensor.of(name, DType.U8, new long[] {n}, new byte[n])),
        "tensor " + name + " has shape [" + n + "]");
    assertBadMask(List.of(TestCheckpoints.RawTensor.of("not.a.tensor", DType.U8, new long[] {1}, new byte[1])),
        "tensor not.a.tensor is not in the model");
    assertBadMask(List.of(Tensor.ofFloats(name, dims, new float[n])), "tensor " + name + " is F32");
  }

  private void assertBadMask(List<Tensor> tensors, String message) {
    Path file = dir.resolve("bad-mask.safetensors");
    Safetensors.write(file, tensors, null, Map.of());
    Path out = dir.resolve("bad-out");
    assertThatThrownBy(() -> Graft.fromMask(base, tuned, file).writeTo(out))
        .isInstanceOf(MergeException.class).hasMessageContaining(message);
    assertThat(out).doesNotExist();
    file.toFile().delete();
  }

  @Test
  void mismatchedCheckpointsAndBadFractionsAreRefused() {
    Checkpoint other = keep(random(dir.resolve("wider"), config.newBuilder().intermediateSize(32).build(), 5));
    assertThatThrownBy(() -> Graft.topGlobal(base, other, 0.1).writeTo(dir.resolve("x")))
        .isInstanceOf(MergeException.class).hasMessageContaining("cannot graft").hasMessageContaining("shape");
    assertThat(dir.resolve("x")).doesNotExist();
    assertThatThrownBy(() -> Graft.topGlobal(base, tuned, 1.5)).isInstanceOf(MergeException.class)
        .hasMessageContaining("[0, 1]");
    assertThatThrownBy(() -> Graft.fromMask(base, tuned, dir.resolve("missing.safetensors")).writeTo(dir.resolve("y")))
        .isInstanceOf(MergeException.class).hasMessageContaining("missing.safetensors");
  }
}
