package io.cpt4j.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.internal.HfConfigCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemma 3 (text) configs as transformers 4.5x and 5.x write them, with {@code Gemma3TextConfig}'s
 * defaults. The values are gemma-3-270m's published ones, written out here field by field (Gemma's
 * terms do not let us ship its files).
 */
class Gemma3ConfigTest {
  @TempDir Path tmp;

  /** gemma-3-270m in the transformers 4 form: rope_theta, rope_local_base_freq, no layer_types. */
  static final String GEMMA3_270M_V4 = """
      {"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "attention_bias": false,
       "attention_dropout": 0.0, "attn_logit_softcapping": null, "bos_token_id": 2, "eos_token_id": 1,
       "final_logit_softcapping": null, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh",
       "hidden_size": 640, "intermediate_size": 2048, "max_position_embeddings": 32768,
       "num_attention_heads": 4, "num_hidden_layers": 18, "num_key_value_heads": 1, "pad_token_id": 0,
       "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000.0,
       "rope_scaling": null, "rope_theta": 1000000.0, "sliding_window": 512, "torch_dtype": "bfloat16",
       "use_bidirectional_attention": false, "vocab_size": 262144}
      """;

  private ModelConfig read(String json) throws Exception {
    return ModelConfig.read(Files.writeString(tmp.resolve("config.json"), json));
  }

  @Test
  void gemma3With270MillionParameters() throws Exception {
    ModelConfig c = read(GEMMA3_270M_V4);
    assertThat(c.family()).isEqualTo(ModelFamily.GEMMA3);
    assertThat(c.tieWordEmbeddings()).isTrue(); // Gemma3TextConfig's default
    assertThat(c.headDim()).isEqualTo(256);
    assertThat(c.attentionScale()).isEqualTo(1 / 16.0);
    assertThat(c.ropeTheta()).isEqualTo(1e6);
    assertThat(c.localRopeTheta()).isEqualTo(1e4);
    assertThat(c.slidingWindow()).isEqualTo(512);
    // sliding_window_pattern 6: layers 5, 11 and 17 global, the rest local
    for (int l = 0; l < 18; l++) {
      assertThat(c.isSlidingLayer(l)).as("layer %d", l).isEqualTo((l + 1) % 6 != 0);
      assertThat(c.ropeTheta(l)).isEqualTo((l + 1) % 6 != 0 ? 1e4 : 1e6);
    }
    assertThat(c.hiddenAct()).isEqualTo("gelu_pytorch_tanh");
    assertThat(c.finalLogitSoftcap()).isZero();
    // embedding 262144·640 = 167,772,160; per layer q, o 2·640·1024 = 1,310,720, k, v 2·640·256 =
    // 327,680, q/k norms 2·256, MLP 3·640·2048 = 3,932,160, four norms 2560: 5,573,632 × 18 =
    // 100,325,376; final norm 640: 268,098,176 (the published 268M)
    assertThat(c.parameterCount()).isEqualTo(268_098_176L);
    assertThat(c.expectedTensors()).containsKeys("model.layers.0.pre_feedforward_layernorm.weight",
        "model.layers.0.post_feedforward_layernorm.weight", "model.layers.0.self_attn.q_norm.weight");
    ModelConfig again = ModelConfig.read(Files.writeString(tmp.resolve("again.json"), HfConfigCodec.toJson(c).toString()));
    assertThat(again).isEqualTo(c);
  }

  @Test
  void theTransformers5FormReadsTheSame() throws Exception {
    String v5 = GEMMA3_270M_V4.replace("\"rope_local_base_freq\": 10000.0,", "")
        .replace("\"rope_scaling\": null, \"rope_theta\": 1000000.0,", "\"rope_parameters\": {\"full_attention\":"
            + " {\"rope_theta\": 1000000.0, \"rope_type\": \"default\"}, \"sliding_attention\": {\"rope_theta\":"
            + " 10000.0, \"rope_type\": \"default\"}}, \"layer_types\": " + pattern() + ",")
        .replace("\"torch_dtype\"", "\"dtype\"");
    assertThat(read(v5)).isEqualTo(read(GEMMA3_270M_V4));
  }

  private static String pattern() {
    StringBuilder b = new StringBuilder("[");
    for (int l = 0; l < 18; l++) {
      b.append(l == 0 ? "" : ", ").append((l + 1) % 6 != 0 ? "\"sliding_attention\"" : "\"full_attention\"");
    }
    return b.append(']').toString();
  }

  @Test
  void whatGemmaCannotRunIsRefused() throws Exception {
    Path file = Files.writeString(tmp.resolve("config.json"),
        GEMMA3_270M_V4.replace("\"use_bidirectional_attention\": false", "\"use_bidirectional_attention\": true"));
    assertThatThrownBy(() -> ModelConfig.read(file)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("use_bidirectional_attention");
    Path scaledLocal = Files.writeString(tmp.resolve("local.json"), GEMMA3_270M_V4.replace("\"rope_scaling\": null,",
        "\"rope_parameters\": {\"sliding_attention\": {\"rope_type\": \"linear\", \"factor\": 2.0}},"));
    assertThatThrownBy(() -> ModelConfig.read(scaledLocal)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sliding_attention");
    assertThatThrownBy(() -> TestCheckpoints.tinyLlama().newBuilder().localRopeTheta(10).build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("Gemma 3 setting");
    assertThat(List.of(ModelFamily.GEMMA3.hfClass(), ModelFamily.GEMMA3.modelType()))
        .containsExactly("Gemma3ForCausalLM", "gemma3_text");
  }
}
