package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.doubles;
import static io.cpt4j.merge.MergeFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.backend.Backends;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Merge slices (mergekit's {@code slices}): layer counts, config, bit-exact copies for passthrough,
 * layer-by-layer merges of equal ranges, the errors, and a frankenmerge that scores text.
 */
class MergeSlicesTest extends MergeFixtures.WithCheckpoints {
  /** Four layers alternating full and sliding-window attention, so config.json has a per-layer list. */
  final ModelConfig config = TestCheckpoints.tinyQwen2().newBuilder().numLayers(4).slidingWindow(2)
      .layerTypes(List.of(ModelConfig.FULL_ATTENTION, ModelConfig.SLIDING_ATTENTION, ModelConfig.SLIDING_ATTENTION,
          ModelConfig.FULL_ATTENTION)).build();
  Checkpoint a;
  Checkpoint b;

  @BeforeEach
  void checkpoints() {
    a = keep(random(dir.resolve("a"), config, 41, DType.BF16, Long.MAX_VALUE));
    b = keep(random(dir.resolve("b"), config, 42, DType.BF16, 4096)); // sharded
  }

  static String layer(int i, String suffix) {
    return "model.layers." + i + "." + suffix;
  }

  /** Every tensor of output layer {@code j} is the stored tensor of layer {@code i} of {@code from}, bytes and dtype. */
  void assertLayerCopied(Checkpoint out, int j, Checkpoint from, int i) {
    List<TensorInfo> layer = from.tensors().stream().filter(t -> t.name().startsWith(layer(i, ""))).toList();
    assertThat(layer).isNotEmpty();
    for (TensorInfo t : layer) {
      String name = layer(j, t.name().substring(layer(i, "").length()));
      assertThat(out.tensor(name).dtype()).isEqualTo(t.dtype());
      assertThat(out.tensor(name).bytes().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).as(name)
          .isEqualTo(from.tensor(t.name()).bytes().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }
  }

  @Test
  void passthroughOfOverlappingRangesStacksExactCopiesWithAConsistentConfigAndScoresText() throws Exception {
    Checkpoint out = run(Merge.builder(new MergeMethod.Passthrough(), a).slice(MergeSlice.of(a, 0, 3))
        .slice(MergeSlice.of(b, 1, 4)).build());
    assertThat(out.config().numLayers()).isEqualTo(6);
    assertThat(out.config().layerTypes()).containsExactly(ModelConfig.FULL_ATTENTION, ModelConfig.SLIDING_ATTENTION,
        ModelConfig.SLIDING_ATTENTION, ModelConfig.SLIDING_ATTENTION, ModelConfig.SLIDING_ATTENTION,
        ModelConfig.FULL_ATTENTION);
    assertThat(out.config().tieWordEmbeddings()).isTrue();
    int[][] from = {{0, 0}, {0, 1}, {0, 2}, {1, 1}, {1, 2}, {1, 3}}; // output layer -> (slice, source layer)
    for (int j = 0; j < from.length; j++) {
      assertLayerCopied(out, j, from[j][0] == 0 ? a : b, from[j][1]);
    }
    // mergekit: the tensors before the layers from the first slice, those after from the last
    assertThat(doubles(out, "model.embed_tokens.weight")).isEqualTo(doubles(a, "model.embed_tokens.weight"));
    assertThat(doubles(out, "model.norm.weight")).isEqualTo(doubles(b, "model.norm.weight"));
    assertThat(out.tensors()).hasSize(2 + 6 * (int) a.tensors().stream()
        .filter(t -> t.name().startsWith("model.layers.0.")).count());
    try (Scorer scorer = Scorer.open(dir.resolve("out-2"), Backends.cpu(1), Scorer.Options.defaults())) {
      List<Loglikelihood> scores = scorer.score(List.of(new LoglikelihoodRequest(new int[] {1, 5, 9}, new int[] {7, 3})));
      assertThat(scores.getFirst().logprob()).isFinite().isNegative();
      assertThat(scores.getFirst().tokens()).isEqualTo(2);
    }
  }

  @Test
  void slerpOverSlicesOfTheWholeModelsIsTheSlerpOfTheModels() {
    Merge whole = Merge.builder(new MergeMethod.Slerp(ParamValue.gradient(0.2, 0.8)), a).model(b).build();
    Merge sliced = Merge.builder(new MergeMethod.Slerp(ParamValue.gradient(0.2, 0.8)), a)
        .slice(new MergeSlice(List.of(new MergeSlice.Source(MergeInput.of(a), 0, 4),
            new MergeSlice.Source(MergeInput.of(b), 0, 4)))).build();
    Checkpoint w = run(whole);
    Checkpoint s = run(sliced);
    assertThat(s.config().numLayers()).isEqualTo(4);
    for (TensorInfo t : w.tensors()) {
      assertThat(doubles(s, t.name())).as(t.name()).isEqualTo(doubles(w, t.name()));
    }
  }

  @Test
  void aSlerpOfTwoSlicesMergesEachOutputLayerFromItsSourcesLayers() {
    // output layers 0-1: slerp(a[2..3], b[0..1]); output layers 2-3: a's layers 0-1 alone (nearswap t = 0 is the base)
    Checkpoint out = run(Merge.builder(new MergeMethod.Nearswap(0), a)
        .slice(new MergeSlice(List.of(new MergeSlice.Source(MergeInput.of(a), 2, 4),
            new MergeSlice.Source(MergeInput.of(b), 0, 2))))
        .slice(new MergeSlice(List.of(new MergeSlice.Source(MergeInput.of(a), 0, 2),
            new MergeSlice.Source(MergeInput.of(b), 2, 4)))).build());
    assertThat(out.config().numLayers()).isEqualTo(4);
    int[] source = {2, 3, 0, 1};
    for (int j = 0; j < 4; j++) {
      String suffix = "mlp.up_proj.weight";
      assertThat(doubles(out, layer(j, suffix))).as("layer %d", j).isEqualTo(doubles(a, layer(source[j], suffix)));
    }
    assertThat(out.config().layerTypes()).containsExactly(ModelConfig.SLIDING_ATTENTION, ModelConfig.FULL_ATTENTION,
        ModelConfig.FULL_ATTENTION, ModelConfig.SLIDING_ATTENTION);
  }

  @Test
  void aLayerRangeOutsideTheModelUnequalRangesAndAMissingBaseAreRefused() {
    assertThatThrownBy(() -> Merge.builder(new MergeMethod.Passthrough(), a).slice(MergeSlice.of(a, 2, 5)).build())
        .isInstanceOf(MergeException.class)
        .hasMessage("slices[0].sources[0]: layer_range [2, 5] of " + a.directory() + " is outside the model's 4 layers");
    assertThatThrownBy(() -> new MergeSlice(List.of(new MergeSlice.Source(MergeInput.of(a), 0, 2),
        new MergeSlice.Source(MergeInput.of(b), 0, 3)))).isInstanceOf(MergeException.class)
        .hasMessageContaining("must have layer ranges of equal length");
    assertThatThrownBy(() -> Merge.builder(new MergeMethod.Slerp(0.5), a).slice(MergeSlice.of(b, 0, 4)).build())
        .isInstanceOf(MergeException.class).hasMessageContaining("must be one of the slice's sources");
    assertThatThrownBy(() -> Merge.builder(new MergeMethod.Passthrough(), a).model(a).slice(MergeSlice.of(a, 0, 4))
        .build()).isInstanceOf(MergeException.class).hasMessageContaining("either models or slices, not both");
  }

  void assertRefused(String yaml, String message) throws Exception {
    Path file = Files.writeString(dir.resolve("slices.yaml"), yaml);
    Path never = dir.resolve("never");
    assertThatThrownBy(() -> {
      try (MergeConfig c = MergeConfig.load(file)) {
        c.writeTo(never, false);
      }
    }).isInstanceOf(MergeException.class).hasMessageContaining(message);
    assertThat(Files.exists(never)).isFalse();
  }

  @Test
  void configsWithSlicesRunAndTheirErrorsNameTheKey() throws Exception {
    Files.writeString(dir.resolve("solar.yaml"), """
        merge_method: passthrough
        slices:
          - sources: [{model: a, layer_range: [0, 3]}]
          - sources: [{model: a, layer_range: [1, 4]}]
        """);
    try (MergeConfig c = MergeConfig.load(dir.resolve("solar.yaml"))) {
      c.writeTo(dir.resolve("solar"), false);
    }
    try (Checkpoint solar = Checkpoint.open(dir.resolve("solar"))) {
      assertThat(solar.config().numLayers()).isEqualTo(6);
    }
    assertRefused("""
        merge_method: passthrough
        slices:
          - sources: [{model: a, layer_range: [0, 7]}]
        """, "slices[0].sources[0]: layer_range [0, 7] of " + a.directory() + " is outside the model's 4 layers");
    assertRefused("""
        merge_method: slerp
        base_model: a
        parameters: {t: 0.5}
        slices:
          - sources: [{model: a, layer_range: [0, 2]}, {model: b, layer_range: [0, 3]}]
        """, "slices.yaml:5: slices[0].sources[1].layer_range: has 3 layers but sources[0] has 2");
    assertRefused("""
        merge_method: passthrough
        models: [{model: a}]
        slices:
          - sources: [{model: a, layer_range: [0, 2]}]
        """, "slices: a merge config has either models or slices, not both");
  }
}
