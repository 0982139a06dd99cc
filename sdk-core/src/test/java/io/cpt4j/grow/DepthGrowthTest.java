package io.cpt4j.grow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.backend.TestSessions;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Block expansion keeps the function: the grown model's log-probabilities equal the base's (1e-5)
 * for a Llama with grouped-query attention, a GPT-NeoX with parallel residual, a Qwen3 with q/k norms
 * and a Gemma 3 with sandwich norms, local/global layers and soft-capping; new layers are
 * copies with zero output projections; bad intervals are refused and write nothing.
 */
class DepthGrowthTest {
  @TempDir Path tmp;

  private void assertFunctionPreserved(ModelConfig config, int every, String name) {
    Path base = GrowthFixtures.base(tmp.resolve(name), config, 3);
    GrowthReport report = DepthGrowth.of(base).every(every).writeTo(tmp.resolve(name + "-grown"));
    int layers = config.numLayers();
    assertThat(report.layersAfter()).isEqualTo(layers + layers / every);
    double worst = GrowthFixtures.largestLogprobDifference(base, report.output(), config.vocabSize(), 1e-5);
    System.out.printf("depth growth %s: largest |log-prob difference| %.2e%n", name, worst);
    try {
      assertThat(Files.readString(report.output().resolve("config.json"))).contains("\"custom_note\" : \"kept\"")
          .contains("\"num_hidden_layers\" : " + report.layersAfter());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    try (Checkpoint grown = Checkpoint.open(report.output()); Checkpoint b = Checkpoint.open(base)) {
      assertThat(grown.config().numLayers()).isEqualTo(report.layersAfter());
      assertThat(grown.tensors()).hasSize(b.tensors().size() + (report.layersAfter() - layers)
          * (int) b.tensors().stream().filter(t -> t.name().contains(".layers.0.")).count());
      int fresh = report.newLayers().getFirst();
      grown.tensors().stream().filter(t -> t.name().contains(".layers." + fresh + ".")).forEach(t -> {
        String suffix = t.name().substring(t.name().indexOf(".layers." + fresh + ".") + (".layers." + fresh + ".")
            .length());
        float[] v = grown.tensor(t.name()).toFloatArray();
        if (suffix.matches("(self_attn\\.o_proj|mlp\\.down_proj|attention\\.dense|mlp\\.dense_4h_to_h)\\..*")) {
          assertThat(v).as(t.name()).containsOnly(0f);
        } else { // a copy of the last layer of its group, base layer every - 1
          String src = t.name().replace(".layers." + fresh + ".", ".layers." + (every - 1) + ".");
          assertThat(v).as(t.name()).containsExactly(b.tensor(src).toFloatArray());
        }
      });
      assertThat(t(report.trainablePattern(), grown)).allMatch(n -> report.newLayers().stream()
          .anyMatch(l -> n.contains(".layers." + l + ".")));
    }
  }

  private static List<String> t(String pattern, Checkpoint c) {
    return c.tensors().stream().map(x -> x.name()).filter(n -> n.matches(pattern)).toList();
  }

  @Test
  void llamaWithGroupedQueryAttentionKeepsItsFunction() {
    assertFunctionPreserved(ModelConfig.builder(Architecture.LLAMA).vocabSize(64).hiddenSize(32).intermediateSize(48)
        .numLayers(4).numHeads(4).numKvHeads(2).maxPositionEmbeddings(64).build(), 2, "llama");
  }

  @Test
  void gptNeoXWithParallelResidualKeepsItsFunction() {
    assertFunctionPreserved(ModelConfig.builder(Architecture.GPT_NEOX).vocabSize(64).hiddenSize(32)
        .intermediateSize(64).numLayers(4).numHeads(4).maxPositionEmbeddings(64).build(), 4, "neox");
  }

  @Test
  void gemma3WithSandwichNormsAndLocalGlobalLayersKeepsItsFunction() {
    // post-attention and post-feedforward norms act on the block's zero outputs before the residual add
    assertFunctionPreserved(TestCheckpoints.tinyGemma3(), 1, "gemma3");
  }

  @Test
  void gemma3WithFinalSoftcappingAndAnUntiedHeadKeepsItsFunction() {
    assertFunctionPreserved(TestCheckpoints.tinyGemma3().newBuilder().finalLogitSoftcap(3.0).tieWordEmbeddings(false)
        .build(), 3, "gemma3-softcap");
  }

  @Test
  void qwen3WithQueryKeyNormsKeepsItsFunction() {
    assertFunctionPreserved(TestCheckpoints.tinyQwen3(), 2, "qwen3");
  }

  @Test
  void anIntervalThatDoesNotDivideIsRefusedAndWritesNothing() {
    Path base = tmp.resolve("b");
    TestSessions.tinyCheckpoint(base, ModelConfig.builder(Architecture.LLAMA).vocabSize(64).hiddenSize(16)
        .intermediateSize(32).numLayers(4).numHeads(2).maxPositionEmbeddings(64).build(), 1).close();
    assertThatThrownBy(() -> DepthGrowth.of(base).every(3).writeTo(tmp.resolve("out")))
        .isInstanceOf(GrowthException.class)
        .hasMessage(base + " has 4 layers, which 3 does not divide: choose an interval among [1, 2, 4]");
    assertThat(Files.exists(tmp.resolve("out"))).isFalse();
    assertThatThrownBy(() -> DepthGrowth.of(base).writeTo(tmp.resolve("out"))).isInstanceOf(GrowthException.class);
  }
}
