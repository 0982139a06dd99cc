package io.cpt4j.merge.internal.methods;

import static io.cpt4j.merge.MergeFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeMethod;
import io.cpt4j.merge.internal.engine.DerivedTensor;
import io.cpt4j.merge.internal.engine.Scratch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming engine computes tensors in chunks far smaller than the tensors, in parallel, and in
 * whatever ranges the reader asks for; the results must not depend on the chunking. Inputs are BF16
 * so that task vectors have many exactly tied magnitudes, which exercises the exact-k tie cutoff
 * across chunk boundaries.
 */
class StreamingMergeTest {
  @TempDir Path dir;

  static final List<MergeMethod> METHODS = List.of(new MergeMethod.Ties(0.9, true), new MergeMethod.DareTies(1.1, true, 5),
      new MergeMethod.Breadcrumbs(1, false, 0.05), new MergeMethod.BreadcrumbsTies(0.8, true, 0.1),
      new MergeMethod.Linear(), new MergeMethod.TaskArithmetic(0.7, true), new MergeMethod.DareLinear(1, false, 3),
      new MergeMethod.Della(0.9, true, 0.2, 5), new MergeMethod.DellaLinear(1, false, 0.1, 2));

  /**
   * Methods with their own derivation (phase-1 sums in double over index order, or integer counts:
   * exact across chunkings); ram's epsilon puts about half the task-vector entries below it.
   */
  static final List<MergeMethod> OTHERS = List.of(new MergeMethod.Sce(0.6), new MergeMethod.Sce(1),
      new MergeMethod.Ram(0.05), new MergeMethod.RamplusTl(0.5, 5, 0.05));

  @Test
  void chunksOfAFewElementsGiveBitForBitTheResultOfWholeTensorChunks() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    try (Checkpoint base = random(dir.resolve("base"), config, 1, DType.BF16, Long.MAX_VALUE);
        Checkpoint a = random(dir.resolve("a"), config, 2, DType.BF16, Long.MAX_VALUE);
        Checkpoint b = random(dir.resolve("b"), config, 3, DType.BF16, 4096)) {
      for (MergeMethod m : java.util.stream.Stream.concat(METHODS.stream(), OTHERS.stream()).toList()) {
        Merge merge = Merge.builder(m, base).model(new MergeInput(a, 0.8, 0.35)).model(new MergeInput(b, 1.3, 0.6))
            .dtype(DType.F32).build();
        Path whole = dir.resolve(m + "-whole");
        Path small = dir.resolve(m + "-small");
        MergeRun.run(merge, whole, 1 << 20);
        MergeRun.run(merge, small, 5);
        try (Checkpoint x = Checkpoint.open(whole); Checkpoint y = Checkpoint.open(small)) {
          assertThat(x.tensors().stream().mapToLong(TensorInfo::elementCount).min().orElseThrow()).isGreaterThan(5);
          for (TensorInfo t : x.tensors()) {
            assertThat(y.tensor(t.name()).toFloatArray()).as("%s %s", m.name(), t.name())
                .containsExactly(x.tensor(t.name()).toFloatArray());
          }
        }
      }
    }
  }

  @Test
  void interpolationsInChunksOfAFewElementsMatchWholeTensorChunksWithinAnUlp() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    try (Checkpoint base = random(dir.resolve("ibase"), config, 1, DType.BF16, Long.MAX_VALUE);
        Checkpoint a = random(dir.resolve("ia"), config, 2, DType.BF16, Long.MAX_VALUE);
        Checkpoint b = random(dir.resolve("ib"), config, 3, DType.BF16, 4096)) {
      List<Merge> merges = List.of(
          Merge.builder(new MergeMethod.Slerp(io.cpt4j.merge.ParamValue.gradient(0.1, 0.9)), base).model(a)
              .dtype(DType.F32).build(),
          Merge.builder(new MergeMethod.ModelStock(false), base).model(a).model(b).dtype(DType.F32).build(),
          Merge.builder(new MergeMethod.ModelStock(true), base).model(a).model(b).dtype(DType.F32).build(),
          Merge.builder(new MergeMethod.Nearswap(io.cpt4j.merge.ParamValue.gradient(0.001, 0.05)), base).model(a)
              .dtype(DType.F32).build());
      int i = 0;
      for (Merge merge : merges) {
        Path whole = dir.resolve("i" + i + "-whole");
        Path small = dir.resolve("i" + i++ + "-small");
        MergeRun.run(merge, whole, 1 << 20);
        MergeRun.run(merge, small, 5);
        try (Checkpoint x = Checkpoint.open(whole); Checkpoint y = Checkpoint.open(small)) {
          for (TensorInfo t : x.tensors()) {
            float[] want = x.tensor(t.name()).toFloatArray();
            float[] got = y.tensor(t.name()).toFloatArray();
            for (int e = 0; e < want.length; e++) {
              // phase-1 sums in double in another order: the float result may move by one ulp
              assertThat(got[e]).as("%s %s[%d]", merge.method(), t.name(), e)
                  .isCloseTo(want[e], org.assertj.core.data.Offset.offset(Math.ulp(want[e])));
            }
          }
        }
      }
    }
  }

  /** A BF16-valued array with many repeated magnitudes. */
  static float[] tied(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (r.nextInt(41) - 20) * 0.125f;
    }
    return v;
  }

  @Test
  void anyReadRangesInAnyOrderGiveTheSameValues() {
    SplittableRandom r = new SplittableRandom(11);
    int n = 5003;
    Tensor base = Tensor.ofFloats("w", new long[] {n}, tied(r, n));
    Tensor[] models = {Tensor.ofFloats("w", new long[] {n}, tied(r, n)), Tensor.ofFloats("w", new long[] {n}, tied(r, n))};
    for (MergeMethod m : METHODS) {
      TaskArithmeticKernel.Rule rule = TaskArithmeticKernel.Rule.of(m);
      float[] want = new float[n];
      merged(rule, base, models, n, 1 << 16).readFloats(0, want, 0, n);
      DerivedTensor small = merged(rule, base, models, n, 7);
      float[] got = new float[n];
      List<Integer> starts = new ArrayList<>();
      for (int s = 0; s < n; s += 13) {
        starts.add(s);
      }
      java.util.Collections.shuffle(starts, new java.util.Random(3));
      starts.parallelStream().forEach(s -> small.readFloats(s, got, s, Math.min(13, n - s)));
      assertThat(got).as(m.name()).containsExactly(want);
    }
  }

  static DerivedTensor merged(TaskArithmeticKernel.Rule rule, Tensor base, Tensor[] models, int n, int chunk) {
    TensorMerge tm = new TensorMerge(rule, "w", base, base, models, new double[] {1, 0.5}, new double[] {0.3, 0.55},
        n, chunk);
    return new DerivedTensor(base.info(), tm, null, new Scratch.Pool(chunk));
  }

  @Test
  void magnitudeTrimmingKeepsExactlyKWithTiesInIndexOrderAcrossChunks() {
    SplittableRandom r = new SplittableRandom(5);
    int n = 4099;
    float[] zero = new float[n];
    float[] x = tied(r, n);
    Tensor base = Tensor.ofFloats("w", new long[] {n}, zero);
    TaskArithmeticKernel.Rule ties = TaskArithmeticKernel.Rule.of(new MergeMethod.Ties(1, true));
    for (double density : new double[] {0.01, 0.3, 0.5, 0.77, 0.999}) {
      TensorMerge tm = new TensorMerge(ties, "w", base, base, new Tensor[] {Tensor.ofFloats("w", new long[] {n}, x)},
          new double[] {1}, new double[] {density}, n, 64);
      float[] got = new float[n];
      new DerivedTensor(base.info(), tm, null, new Scratch.Pool(64)).readFloats(0, got, 0, n);
      // reference: rank by |x| descending, ties by index ascending; keep the first k
      Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
      Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -Math.abs(x[i])).thenComparing(i -> i));
      float[] want = new float[n];
      for (int j = 0; j < (int) (density * n); j++) {
        want[order[j]] = x[order[j]];
      }
      assertThat(got).as("density %s", density).containsExactly(want);
    }
  }
}
