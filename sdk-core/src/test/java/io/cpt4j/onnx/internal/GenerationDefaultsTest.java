package io.cpt4j.onnx.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.onnx.Generation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * generation_config.json read as transformers' {@code GenerationConfig}: Qwen2.5-0.5B-Instruct's
 * real file (sampling at 0.7 / top-p 0.8 / top-k 20, repetition penalty 1.1, stop at either of
 * {@code <|im_end|>} and {@code <|endoftext|>}), greedy when do_sample is unset, and the
 * repetition penalty of {@code RepetitionPenaltyLogitsProcessor}.
 */
class GenerationDefaultsTest {
  @TempDir Path tmp;
  private final ModelConfig config = TestCheckpoints.tinyLlama().newBuilder().eosTokenIds(List.of(2)).build();

  @Test
  void qwenInstructSamplesAndStopsAtBothEndTokens() {
    Generation g = GenerationDefaults.read(Path.of("src/test/resources/real-models/qwen2.5-0.5b-instruct"), config, 128);
    assertThat(g.stopTokens()).containsExactly(151645, 151643);
    assertThat(g.temperature()).isEqualTo(0.7);
    assertThat(g.topP()).isEqualTo(0.8);
    assertThat(g.topK()).isEqualTo(20);
    assertThat(g.repetitionPenalty()).isEqualTo(1.1);
    assertThat(g.maxNewTokens()).isEqualTo(128);
  }

  @Test
  void withoutDoSampleDecodingIsGreedyWhateverTheTemperature() throws Exception {
    Files.writeString(tmp.resolve("generation_config.json"),
        "{\"temperature\": 0.6, \"top_p\": 0.9, \"eos_token_id\": 7, \"max_new_tokens\": 5}");
    Generation g = GenerationDefaults.read(tmp, config, 128);
    assertThat(g.isGreedy()).isTrue();
    assertThat(g.stopTokens()).containsExactly(7);
    assertThat(g.maxNewTokens()).isEqualTo(5);
  }

  @Test
  void samplingDefaultsAreTransformersOnes() throws Exception {
    Files.writeString(tmp.resolve("generation_config.json"), "{\"do_sample\": true}");
    Generation g = GenerationDefaults.read(tmp, config, 128);
    assertThat(List.of(g.temperature(), (double) g.topK(), g.topP())).containsExactly(1.0, 50.0, 1.0);
  }

  @Test
  void withoutTheFileTheConfigsEosIdsStop() {
    assertThat(GenerationDefaults.read(tmp, config, 64).stopTokens()).containsExactly(2);
  }

  @Test
  void aMalformedFileNamesItselfAndTheKey() throws Exception {
    Path f = Files.writeString(tmp.resolve("generation_config.json"), "{\"eos_token_id\": \"2\"}");
    assertThatThrownBy(() -> GenerationDefaults.read(tmp, config, 64)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining(f.toString()).hasMessageContaining("eos_token_id");
  }

  @Test
  void theRepetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
    float[] logits = {2f, -2f, 4f, 1f};
    float[] out = OrtGeneration.penalized(logits, new int[] {0, 1, 1, 9, 9}, 3, 2.0);
    assertThat(out).containsExactly(1f, -4f, 4f, 1f); // token 1 once, token 2 unseen
    assertThat(logits).containsExactly(2f, -2f, 4f, 1f);
    assertThat(OrtGeneration.penalized(logits, new int[] {0}, 1, 1.0)).isSameAs(logits);
  }
}
