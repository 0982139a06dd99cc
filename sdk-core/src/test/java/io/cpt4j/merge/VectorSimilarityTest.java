package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Vector analytics against float64 references written here, plus closed-form properties. */
class VectorSimilarityTest extends MergeFixtures.WithCheckpoints {
  static final double TOL = 1e-12;

  final ModelConfig config = TestCheckpoints.tinyLlama();
  Checkpoint base;
  List<Checkpoint> tuned;

  @BeforeEach
  void checkpoints() {
    base = keep(random(dir.resolve("base"), config, 1));
    tuned = List.of(keep(random(dir.resolve("a"), config, 2)), keep(random(dir.resolve("b"), config, 3, DType.BF16, 4096)),
        keep(random(dir.resolve("c"), config, 4, DType.F16, Long.MAX_VALUE)));
  }

  /** The vector entries as float32 (what the vector holds), widened. */
  double[] delta(Checkpoint t, String name) {
    float[] x = base.tensor(name).toFloatArray();
    float[] y = t.tensor(name).toFloatArray();
    return IntStream.range(0, x.length).mapToDouble(i -> (float) ((double) y[i] - x[i])).toArray();
  }

  /** Reference sums over the tensors {@code names}: {dot, |a|², |b|², same, both, ∩, ∪}. */
  double[] reference(Checkpoint ta, Checkpoint tb, List<String> names, double f) {
    double[] s = new double[7];
    for (String name : names) {
      double[] a = delta(ta, name);
      double[] b = delta(tb, name);
      boolean[] topA = top(a, (long) (f * a.length));
      boolean[] topB = top(b, (long) (f * b.length));
      for (int i = 0; i < a.length; i++) {
        s[0] += a[i] * b[i];
        s[1] += a[i] * a[i];
        s[2] += b[i] * b[i];
        if (a[i] != 0 && b[i] != 0) {
          s[4]++;
          s[3] += Math.signum(a[i]) == Math.signum(b[i]) ? 1 : 0;
        }
        s[5] += topA[i] && topB[i] ? 1 : 0;
        s[6] += topA[i] || topB[i] ? 1 : 0;
      }
    }
    return s;
  }

  static boolean[] top(double[] x, long k) {
    Integer[] order = IntStream.range(0, x.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble(i -> -Math.abs(x[i])));
    boolean[] t = new boolean[x.length];
    for (int r = 0; r < k; r++) {
      t[order[r]] = x[order[r]] != 0; // zeros are never top entries
    }
    return t;
  }

  void assertGroup(SimilarityReport.Group g, List<String> names, double f) {
    for (int i = 0; i < 3; i++) {
      for (int j = i + 1; j < 3; j++) {
        double[] s = reference(tuned.get(i), tuned.get(j), names, f);
        SimilarityReport.Pair p = g.pair(j, i);
        assertThat(p.cosine()).as("%s cos(%d,%d)", g.name(), i, j)
            .isCloseTo(s[0] / Math.sqrt(s[1] * s[2]), within(TOL));
        assertThat(p.signAgreement()).as("%s sign", g.name()).isCloseTo(s[3] / s[4], within(TOL));
        assertThat(p.bothNonZero()).isEqualTo((long) s[4]);
        assertThat(p.topOverlap()).as("%s overlap", g.name()).isCloseTo(s[5] / s[6], within(TOL));
        assertThat(g.norms().get(i)).isCloseTo(Math.sqrt(s[1]), within(TOL * Math.sqrt(s[1])));
        assertThat(g.norms().get(j)).isCloseTo(Math.sqrt(s[2]), within(TOL * Math.sqrt(s[2])));
      }
    }
    assertThat(g.elements()).isEqualTo(names.stream().mapToLong(n -> base.tensor(n).elementCount()).sum());
  }

  List<String> names(Predicate<String> keep) {
    return base.tensors().stream().map(TensorInfo::name).filter(keep).toList();
  }

  @Test
  void statisticsMatchAFloat64ReferencePerTensorPerLayerAndOverall() {
    List<TaskVector> vectors = tuned.stream().map(t -> TaskVector.between(base, t)).toList();
    double f = 0.2;
    SimilarityReport r = VectorSimilarity.of(vectors, List.of("a", "b", "c")).topFraction(f).compute();
    assertThat(r.labels()).containsExactly("a", "b", "c");
    assertThat(r.overall().pairs()).hasSize(3);
    assertGroup(r.overall(), names(n -> true), f);
    assertThat(r.tensors()).hasSize(base.tensors().size());
    for (SimilarityReport.Group g : r.tensors()) {
      assertGroup(g, List.of(g.name()), f);
    }
    assertThat(r.layers().stream().map(SimilarityReport.Group::name))
        .containsExactly("embeddings", "layer 0", "layer 1", "head");
    assertGroup(r.layers().get(0), names(n -> n.contains("embed_tokens")), f);
    assertGroup(r.layers().get(1), names(n -> n.contains("layers.0.")), f);
    assertGroup(r.layers().get(2), names(n -> n.contains("layers.1.")), f);
    assertGroup(r.layers().get(3), names(n -> !n.contains("layers.") && !n.contains("embed_tokens")), f);
  }

  @Test
  void aVectorIsParallelToItselfAndAntiParallelToItsNegation() {
    TaskVector v = TaskVector.between(base, tuned.get(0));
    SimilarityReport r = VectorSimilarity.of(List.of(v, v, v.times(-1), v.times(2.5)), List.of("v", "v2", "-v", "2.5v"))
        .compute();
    for (SimilarityReport.Group g : concat(r)) {
      assertThat(g.pair(0, 1).cosine()).as(g.name()).isCloseTo(1, within(1e-12));
      assertThat(g.pair(0, 2).cosine()).as(g.name()).isCloseTo(-1, within(1e-12));
      assertThat(g.pair(0, 3).cosine()).as(g.name()).isCloseTo(1, within(1e-12));
      assertThat(g.pair(0, 1).signAgreement()).isEqualTo(1.0);
      assertThat(g.pair(0, 2).signAgreement()).isEqualTo(0.0);
      assertThat(g.pair(0, 2).topOverlap()).isIn(1.0, Double.NaN); // same magnitudes; NaN if k = 0
      assertThat(g.norms().get(2)).isEqualTo(g.norms().get(0));
      assertThat(g.norms().get(3)).isCloseTo(2.5 * g.norms().get(0), within(1e-6 * g.norms().get(0)));
    }
    assertThat(r.overall().pair(0, 1).topOverlap()).isEqualTo(1.0);
  }

  @Test
  void vectorsOnDisjointSupportsAreOrthogonal() {
    // tuned₁ differs from the base on even indices only, tuned₂ on odd indices only
    List<Tensor> even = new ArrayList<>();
    List<Tensor> odd = new ArrayList<>();
    for (TensorInfo t : base.tensors()) {
      float[] x = base.tensor(t.name()).toFloatArray();
      float[] e = x.clone();
      float[] o = x.clone();
      for (int i = 0; i < x.length; i++) {
        if (i % 2 == 0) {
          e[i] += 0.5f;
        } else {
          o[i] -= 0.25f;
        }
      }
      even.add(Tensor.ofFloats(t.name(), t.dims(), e));
      odd.add(Tensor.ofFloats(t.name(), t.dims(), o));
    }
    CheckpointWriter.to(dir.resolve("even")).config(config).write(even);
    CheckpointWriter.to(dir.resolve("odd")).config(config).write(odd);
    Checkpoint ce = keep(Checkpoint.open(dir.resolve("even")));
    Checkpoint co = keep(Checkpoint.open(dir.resolve("odd")));
    SimilarityReport r = VectorSimilarity.of(List.of(TaskVector.between(base, ce), TaskVector.between(base, co)),
        List.of("even", "odd")).topFraction(0.25).compute();
    for (SimilarityReport.Group g : concat(r)) {
      SimilarityReport.Pair p = g.pair(0, 1);
      assertThat(p.cosine()).as(g.name()).isCloseTo(0, within(1e-12));
      assertThat(p.bothNonZero()).isZero();
      assertThat(p.signAgreement()).isNaN();
      assertThat(p.topOverlap()).isIn(0.0, Double.NaN);
    }
    assertThat(r.overall().pair(0, 1).topOverlap()).isZero();
  }

  @Test
  void jsonAndTableRenderTheReport() throws Exception {
    TaskVector v = TaskVector.between(base, tuned.get(0));
    SimilarityReport r = VectorSimilarity.of(List.of(v, TaskVector.between(base, tuned.get(1)), v.minus(v)),
        List.of("instruct", "domain", "zero")).compute();
    JsonNode json = new ObjectMapper().readTree(r.toJson());
    assertThat(r.overall().pair(0, 2).topOverlap()).isZero(); // the zero vector has no top entries
    assertThat(json.get("labels")).hasSize(3);
    assertThat(json.get("top_fraction").asDouble()).isEqualTo(0.01);
    JsonNode pair = json.get("overall").get("pairs").get(0);
    assertThat(pair.get("a").asText()).isEqualTo("instruct");
    assertThat(pair.get("b").asText()).isEqualTo("domain");
    assertThat(pair.get("cosine").asDouble()).isEqualTo(r.overall().pair(0, 1).cosine());
    assertThat(json.get("overall").get("pairs").get(1).get("cosine").isNull()).isTrue(); // zero vector: NaN
    assertThat(json.get("overall").get("norms").get("zero").asDouble()).isZero();
    assertThat(json.get("layers")).hasSize(4);
    assertThat(json.get("tensors")).hasSize(base.tensors().size());
    String table = r.toTable();
    assertThat(table).contains("|instruct|", "instruct ~ domain", "layer 1", "embeddings", "top-1% overlap", "n/a");
  }

  @Test
  void mismatchedVectorsAreRefused() {
    TaskVector v = TaskVector.between(base, tuned.get(0));
    assertThatThrownBy(() -> VectorSimilarity.of(List.of(v, v.excluding(".*lm_head.*")), List.of("x", "y")).compute())
        .isInstanceOf(MergeException.class).hasMessageContaining("y has no tensor lm_head.weight");
    assertThatThrownBy(() -> VectorSimilarity.of(List.of(v), List.of("x"))).isInstanceOf(MergeException.class)
        .hasMessageContaining("at least two");
    assertThatThrownBy(() -> VectorSimilarity.of(List.of(v, v), List.of("x", "y")).topFraction(0))
        .isInstanceOf(MergeException.class);
    assertThatThrownBy(() -> VectorSimilarity.of(List.of(v, v), List.of("x", "x"))).isInstanceOf(MergeException.class)
        .hasMessageContaining("distinct");
  }

  static List<SimilarityReport.Group> concat(SimilarityReport r) {
    List<SimilarityReport.Group> all = new ArrayList<>(r.tensors());
    all.addAll(r.layers());
    all.add(r.overall());
    return all;
  }
}
