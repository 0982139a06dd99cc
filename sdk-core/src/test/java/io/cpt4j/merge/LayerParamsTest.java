package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.ambiguousSign;
import static io.cpt4j.merge.MergeFixtures.disjointMean;
import static io.cpt4j.merge.MergeFixtures.doubles;
import static io.cpt4j.merge.MergeFixtures.random;
import static io.cpt4j.merge.MergeFixtures.tiesTrimmed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights and densities that vary across layers and by tensor name, evaluated at mergekit's layer
 * position (layer i of N at i/(N − 1), embeddings at 0, final norm and LM head at 1), against a
 * float64 TIES reference written here, per element within 1e-5 + 1e-5·|ref|.
 */
class LayerParamsTest {
  @TempDir Path dir;

  private static final Pattern LAYER = Pattern.compile("layers\\.(\\d+)\\.");

  /** mergekit's t, written independently of the engine. */
  static double t(String name, int layers) {
    Matcher m = LAYER.matcher(name);
    if (m.find()) {
      return layers == 1 ? 1 : Integer.parseInt(m.group(1)) / (double) (layers - 1);
    }
    return name.contains("embed_tokens") ? 0 : 1;
  }

  @Test
  void gradientWeightAndFilteredDensityArePerLayer() {
    ModelConfig config = TestCheckpoints.tinyLlama().newBuilder().numLayers(4).build(); // t = 0, 1/3, 2/3, 1
    ParamValue weightA = ParamValue.gradient(0, 1);
    ParamValue weightB = ParamValue.gradient(1, 0.5, 0.25);
    ParamValue density = new ParamValue.Filtered(List.of(
        new ParamValue.Rule("mlp", ParamValue.of(0.5)),
        new ParamValue.Rule("self_attn", ParamValue.gradient(0.2, 0.9)),
        new ParamValue.Rule("*", ParamValue.of(1))));
    try (Checkpoint base = random(dir.resolve("base"), config, 1);
        Checkpoint a = random(dir.resolve("a"), config, 2);
        Checkpoint b = random(dir.resolve("b"), config, 3)) {
      Merge.builder(new MergeMethod.Ties(1, true), base).model(new MergeInput(a, weightA, density))
          .model(new MergeInput(b, weightB, ParamValue.of(0.7))).build().writeTo(dir.resolve("out"));
      try (Checkpoint out = Checkpoint.open(dir.resolve("out"))) {
        for (TensorInfo info : out.tensors()) {
          String name = info.name();
          double t = t(name, 4);
          // the anchors by hand: weight A = t; weight B from [1, 0.5, 0.25]
          double wa = t;
          double wb = t <= 0.5 ? 1 - t : 0.5 - (t - 0.5) * 0.5;
          double byHand = name.contains("mlp") ? 0.5 : name.contains("self_attn") ? 0.2 + 0.7 * t : 1;
          assertThat(density.at(name, t)).isCloseTo(byHand, Offset.offset(1e-12));
          double da = density.at(name, t); // the same double, so ⌊density·n⌋ cannot differ by rounding
          assertThat(weightA.at(name, t)).isCloseTo(wa, Offset.offset(1e-12));
          assertThat(weightB.at(name, t)).isCloseTo(wb, Offset.offset(1e-12));
          double[] o = doubles(base, name);
          double[][] d = {tiesTrimmed(doubles(a, name), o, da), tiesTrimmed(doubles(b, name), o, 0.7)};
          double[] w = {wa, wb};
          double[] got = doubles(out, name);
          for (int i = 0; i < o.length; i++) {
            if (ambiguousSign(w, d, i)) {
              continue; // either sign is a correct election
            }
            double want = o[i] + disjointMean(w, d, i);
            assertThat(got[i]).as("%s[%d] (t = %s)", name, i, t).isCloseTo(want, Offset.offset(1e-5 + 1e-5 * Math.abs(want)));
          }
        }
        // the embedding (t = 0) gets weight 0 from A and 1 from B; the LM head (t = 1) 1 and 0.25
        assertThat(weightA.at("model.embed_tokens.weight", t("model.embed_tokens.weight", 4))).isZero();
        assertThat(weightB.at("lm_head.weight", t("lm_head.weight", 4))).isEqualTo(0.25);
      }
    }
  }

  @Test
  void aSingleLayerModelIsAtPositionOneAsInMergekit() {
    ModelConfig config = TestCheckpoints.tinyLlama().newBuilder().numLayers(1).build();
    try (Checkpoint base = random(dir.resolve("base1"), config, 1);
        Checkpoint a = random(dir.resolve("a1"), config, 2)) {
      // weight 0 at t = 0, 1 at t = 1: the layer and the head move to a, the embedding stays
      Merge.builder(new MergeMethod.TaskArithmetic(), base).model(new MergeInput(a, ParamValue.gradient(0, 1),
          ParamValue.of(1))).build().writeTo(dir.resolve("out1"));
      try (Checkpoint out = Checkpoint.open(dir.resolve("out1"))) {
        for (TensorInfo info : out.tensors()) {
          double[] want = info.name().contains("embed_tokens") ? doubles(base, info.name()) : doubles(a, info.name());
          double[] got = doubles(out, info.name());
          for (int i = 0; i < got.length; i++) {
            assertThat(got[i]).as("%s[%d]", info.name(), i).isCloseTo(want[i], Offset.offset(1e-7));
          }
        }
      }
    }
  }

  @Test
  void aFilterWithoutDefaultThatMatchesNothingIsReported() {
    ParamValue p = new ParamValue.Filtered(List.of(new ParamValue.Rule("mlp", ParamValue.of(0.5))));
    assertThatThrownBy(() -> p.at("model.norm.weight", 1)).isInstanceOf(MergeException.class)
        .hasMessageContaining("model.norm.weight");
  }
}
