package io.cpt4j.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.internal.HfConfigCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config.json files of real models as their authors ship them (test resources {@code
 * real-models/}): every field that changes the math read as transformers reads it, parameter counts
 * equal to the published ones (derived by hand in each comment), and the config cpt4j writes reads
 * back to the same configuration.
 */
class RealConfigsTest {
  static final Path MODELS = Path.of("src/test/resources/real-models");
  @TempDir Path tmp;

  private ModelConfig roundTrip(ModelConfig c) throws Exception {
    ModelConfig again = ModelConfig.read(Files.writeString(tmp.resolve("config.json"), HfConfigCodec.toJson(c).toString()));
    assertThat(again).isEqualTo(c);
    return again;
  }

  @Test
  void qwen3With600MillionParameters() throws Exception {
    ModelConfig c = ModelConfig.read(MODELS.resolve("qwen3-0.6b/config.json"));
    assertThat(c.hfClass()).isEqualTo("Qwen3ForCausalLM");
    assertThat(c.qkNorm()).isTrue();
    assertThat(c.headDim()).isEqualTo(128); // explicit: 16 heads × 128 = 2048 ≠ hidden 1024
    assertThat(c.qkvBias() || c.attentionOutputBias() || c.mlpBias()).isFalse();
    assertThat(c.ropeTheta()).isEqualTo(1e6);
    assertThat(c.hasSlidingLayers()).isFalse();
    assertThat(c.tieWordEmbeddings()).isTrue();
    assertThat(c.eosTokenIds()).containsExactly(151645);
    // embedding 151936·1024 = 155,582,464; per layer q 1024·2048 + k, v 1024·1024 each + o 2048·1024
    // = 6,291,456, q/k norms 2·128, MLP 3·1024·3072 = 9,437,184, two norms 2048: 15,730,944 × 28
    // = 440,466,432; final norm 1024: 596,049,920 (the published 0.6B, 0.44B without embeddings)
    assertThat(c.parameterCount()).isEqualTo(596_049_920L);
    roundTrip(c);
  }

  @Test
  void mistral7BSlidesEveryLayer() throws Exception {
    ModelConfig c = ModelConfig.read(MODELS.resolve("mistral-7b-v0.1/config.json"));
    assertThat(c.slidingWindow()).isEqualTo(4096);
    assertThat(c.layerTypes()).isEqualTo(Collections.nCopies(32, ModelConfig.SLIDING_ATTENTION));
    assertThat(c.qkvBias() || c.attentionOutputBias() || c.mlpBias() || c.qkNorm()).isFalse();
    // embedding and head 2·32000·4096 = 262,144,000; per layer q, o 2·4096² = 33,554,432, k, v
    // 2·4096·1024 = 8,388,608, MLP 3·4096·14336 = 176,160,768, norms 8192: 218,112,000 × 32 =
    // 6,979,584,000; final norm 4096: 7,241,732,096 (the published 7.24B)
    assertThat(c.parameterCount()).isEqualTo(7_241_732_096L);
    roundTrip(c);
  }

  @Test
  void qwen25InstructHasItsEndOfTurnAsEos() throws Exception {
    ModelConfig c = ModelConfig.read(MODELS.resolve("qwen2.5-0.5b-instruct/config.json"));
    assertThat(c.eosTokenIds()).containsExactly(151645);
    assertThat(c.hasSlidingLayers()).isFalse(); // sliding_window 32768 is set but use_sliding_window is false
    assertThat(c.qkvBias()).isTrue();
    assertThat(c.attentionOutputBias()).isFalse();
    // embedding 151936·896 = 136,134,656; per layer q, o 2·896² = 1,605,632 + q bias 896, k, v
    // 2·896·128 = 229,376 + biases 256, MLP 3·896·4864 = 13,074,432, norms 1792: 14,912,384 × 24
    // = 357,897,216; final norm 896: 494,032,768 (the published 0.49B)
    assertThat(c.parameterCount()).isEqualTo(494_032_768L);
    roundTrip(c);
  }
}
