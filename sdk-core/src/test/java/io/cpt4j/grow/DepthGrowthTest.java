package io.cpt4j.grow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.backend.TestSessions;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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

  private static List<LoglikelihoodRequest> requests(int vocab) {
    Random r = new Random(9);
    List<LoglikelihoodRequest> out = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      out.add(new LoglikelihoodRequest(r.ints(3 + r.nextInt(20), 0, vocab).toArray(),
          r.ints(1 + r.nextInt(6), 0, vocab).toArray()));
    }
    return out;
  }

  private void assertFunctionPreserved(ModelConfig config, int every, String name) {
    Path base = tmp.resolve(name);
    TestSessions.tinyCheckpoint(base, config, 3).close();
    try { // a key cpt4j does not model: the grown config.json keeps it (the base's JSON, edited)
      Path json = base.resolve("config.json");
      Files.writeString(json, Files.readString(json).replaceFirst("\\{", "{\"custom_note\": \"kept\","));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    GrowthReport report = DepthGrowth.of(base).every(every).writeTo(tmp.resolve(name + "-grown"));
    int layers = config.numLayers();
    assertThat(report.layersAfter()).isEqualTo(layers + layers / every);
    List<LoglikelihoodRequest> requests = requests(config.vocabSize());
    double uniform = 0;
    List<Loglikelihood> before;
    try (Scorer s = Scorer.open(base)) {
      before = s.score(requests);
    }
    List<Loglikelihood> after;
    try (Scorer s = Scorer.open(report.output())) {
      after = s.score(requests);
    }
    double worst = 0;
    for (int i = 0; i < requests.size(); i++) {
      assertThat(after.get(i).logprob()).as("%s request %d", name, i).isCloseTo(before.get(i).logprob(), within(1e-5));
      worst = Math.max(worst, Math.abs(after.get(i).logprob() - before.get(i).logprob()));
      uniform = Math.max(uniform, Math.abs(before.get(i).logprob()
          + requests.get(i).continuation().length * Math.log(config.vocabSize())));
    }
    assertThat(uniform).as("the base is not a uniform model").isGreaterThan(1e-3);
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
