package io.cpt4j.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.internal.HfConfigCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelConfig#read} on the keys transformers 5 writes ({@code rope_parameters}, {@code dtype},
 * {@code layer_types}) and on the sliding windows of Mistral and Qwen2, with the defaults and
 * precedence of transformers 5.18 ({@code PreTrainedConfig.convert_rope_params_to_dict}, {@code
 * MistralConfig}, {@code Qwen2Config}). The configs are SmolLM2-135M's and Qwen2.5-0.5B's as
 * transformers 5 re-saves them.
 */
class ModelConfigTransformers5Test {
  @TempDir Path tmp;

  /** SmolLM2-135M's config.json after {@code save_pretrained} in transformers 5: rope_theta moved into rope_parameters. */
  static final String SMOLLM2_V5 = """
      {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
       "bos_token_id": 0, "dtype": "bfloat16", "eos_token_id": 0, "head_dim": 64, "hidden_act": "silu",
       "hidden_size": 576, "initializer_range": 0.041666666666666664, "intermediate_size": 1536,
       "is_llama_config": true, "max_position_embeddings": 8192, "mlp_bias": false, "model_type": "llama",
       "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3, "pretraining_tp": 1,
       "rms_norm_eps": 1e-05, "rope_interleaved": false,
       "rope_parameters": {"rope_theta": 100000, "rope_type": "default"},
       "tie_word_embeddings": true, "transformers_version": "5.0.0", "use_cache": true, "vocab_size": 49152}
      """;

  /** Qwen2.5-0.5B's config.json in the transformers 5 form. */
  static final String QWEN25_V5 = """
      {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
       "dtype": "bfloat16", "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896,
       "initializer_range": 0.02, "intermediate_size": 4864,
       "layer_types": ["full_attention", "full_attention"], "max_position_embeddings": 32768,
       "max_window_layers": 24, "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 2,
       "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
       "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"},
       "sliding_window": null, "tie_word_embeddings": true, "transformers_version": "5.0.0",
       "use_cache": true, "use_sliding_window": false, "vocab_size": 151936}
      """;

  private ModelConfig read(String json) throws Exception {
    return ModelConfig.read(Files.writeString(tmp.resolve("config.json"), json));
  }

  private void assertRejected(String json, String... fragments) throws Exception {
    Path file = Files.writeString(tmp.resolve("config.json"), json);
    assertThatThrownBy(() -> ModelConfig.read(file))
        .isExactlyInstanceOf(ConfigException.class)
        .hasMessageStartingWith(file + ": ")
        .hasMessageContainingAll(fragments);
  }

  @Test
  void ropeThetaInsideRopeParametersIsRead() throws Exception {
    ModelConfig c = read(SMOLLM2_V5);
    assertThat(c.ropeTheta()).isEqualTo(100000.0); // not LlamaConfig's default 10000
    assertThat(c.ropeScaling()).isEmpty();
    assertThat(c.torchDtype()).isEqualTo("bfloat16"); // from "dtype"
    assertThat(c.tieWordEmbeddings()).isTrue();
    assertThat(c.hasSlidingLayers()).isFalse();
    ModelConfig q = read(QWEN25_V5);
    assertThat(q.ropeTheta()).isEqualTo(1_000_000.0);
    assertThat(q.qkvBias()).isTrue();
    assertThat(q.hasSlidingLayers()).isFalse(); // use_sliding_window false
  }

  @Test
  void theTransformers4AndTransformers5FormsReadTheSame() throws Exception {
    String v4 = SMOLLM2_V5.replace("\"rope_parameters\": {\"rope_theta\": 100000, \"rope_type\": \"default\"}",
        "\"rope_theta\": 100000, \"rope_scaling\": null").replace("\"dtype\"", "\"torch_dtype\"");
    assertThat(read(v4)).isEqualTo(read(SMOLLM2_V5));
  }

  @Test
  void ropeParametersWithScalingAreSplitIntoThetaAndScaling() throws Exception {
    String llama32 = SMOLLM2_V5.replace("{\"rope_theta\": 100000, \"rope_type\": \"default\"}",
        "{\"factor\": 32.0, \"high_freq_factor\": 4.0, \"low_freq_factor\": 1.0,"
            + " \"original_max_position_embeddings\": 8192, \"rope_theta\": 500000.0, \"rope_type\": \"llama3\"}");
    ModelConfig c = read(llama32);
    assertThat(c.ropeTheta()).isEqualTo(500000.0);
    assertThat(c.ropeScaling()).containsEntry("rope_type", "llama3").containsEntry("factor", 32.0)
        .doesNotContainKey("rope_theta").hasSize(5);
    // rope_scaling, when set, wins over rope_parameters; the top-level rope_theta fills in
    String both = SMOLLM2_V5.replace("\"rope_parameters\"",
        "\"rope_theta\": 7.0, \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 2.0}, \"rope_parameters\"");
    ModelConfig b = read(both);
    assertThat(b.ropeTheta()).isEqualTo(7.0);
    assertThat(b.ropeScaling()).isEqualTo(Map.of("rope_type", "linear", "factor", 2.0));
  }

  @Test
  void writtenConfigsReadBackUnchanged() throws Exception {
    for (String json : List.of(SMOLLM2_V5, QWEN25_V5, MISTRAL_7B_V01)) {
      ModelConfig c = read(json);
      Path again = Files.writeString(tmp.resolve("again.json"), HfConfigCodec.toJson(c).toString());
      assertThat(ModelConfig.read(again)).isEqualTo(c);
    }
  }

  @Test
  void unknownRopeTypesAreRefusedNamingTheType() throws Exception {
    assertRejected(SMOLLM2_V5.replace("\"rope_type\": \"default\"", "\"rope_type\": \"longrope\""),
        "rope type 'longrope' is not supported");
    assertRejected(SMOLLM2_V5.replace("\"rope_type\": \"default\"", "\"rope_type\": \"yarn\""), "yarn", "factor");
    assertRejected(SMOLLM2_V5.replace("\"rope_parameters\": {", "\"rope_parameters\": 3, \"x\": {"),
        "rope_parameters must be an object");
  }

  @Test
  void ropeParametersPerLayerTypeMustAgree() throws Exception {
    String same = SMOLLM2_V5.replace("{\"rope_theta\": 100000, \"rope_type\": \"default\"}",
        "{\"full_attention\": {\"rope_theta\": 100000, \"rope_type\": \"default\"},"
            + " \"sliding_attention\": {\"rope_theta\": 100000, \"rope_type\": \"default\"}}");
    assertThat(read(same).ropeTheta()).isEqualTo(100000.0);
    assertRejected(same.replaceFirst("\"rope_theta\": 100000", "\"rope_theta\": 10000"), "differs per layer type");
  }

  @Test
  void dropoutThatWouldChangeTrainingIsRefused() throws Exception {
    assertRejected(SMOLLM2_V5.replace("\"attention_dropout\": 0.0", "\"attention_dropout\": 0.1"),
        "attention_dropout 0.1 is not supported");
  }

  @Test
  void llamaRotatesWholeHeads() throws Exception {
    assertRejected(SMOLLM2_V5.replace("\"rope_type\": \"default\"", "\"rope_type\": \"default\", \"partial_rotary_factor\": 0.5"),
        "partial_rotary_factor 0.5");
  }

  /** Mistral-7B-v0.1's config.json: every layer slides over 4096 tokens. */
  static final String MISTRAL_7B_V01 = """
      {"architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
       "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336,
       "max_position_embeddings": 32768, "model_type": "mistral", "num_attention_heads": 32,
       "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
       "sliding_window": 4096, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
       "transformers_version": "4.34.0.dev0", "use_cache": true, "vocab_size": 32000}
      """;

  @Test
  void mistralSlidesEveryLayerAndDefaultsTo4096() throws Exception {
    ModelConfig c = read(MISTRAL_7B_V01);
    assertThat(c.slidingWindow()).isEqualTo(4096);
    assertThat(c.layerTypes()).isEqualTo(Collections.nCopies(32, ModelConfig.SLIDING_ATTENTION));
    assertThat(read(MISTRAL_7B_V01.replace("\"sliding_window\": 4096, ", "")).slidingWindow())
        .isEqualTo(4096); // MistralConfig's default
    ModelConfig v02 = read(MISTRAL_7B_V01.replace("\"sliding_window\": 4096", "\"sliding_window\": null"));
    assertThat(v02.hasSlidingLayers()).isFalse(); // Mistral-7B-Instruct-v0.2
    assertThat(v02.slidingWindow()).isZero();
  }

  @Test
  void qwen2SlidesFromMaxWindowLayersWhenSwitchedOn() throws Exception {
    String on = QWEN25_V5.replace("\"layer_types\": [\"full_attention\", \"full_attention\"], ", "")
        .replace("\"use_sliding_window\": false", "\"use_sliding_window\": true")
        .replace("\"sliding_window\": null", "\"sliding_window\": 4")
        .replace("\"max_window_layers\": 24", "\"max_window_layers\": 1");
    ModelConfig c = read(on);
    assertThat(c.slidingWindow()).isEqualTo(4);
    assertThat(c.layerTypes()).containsExactly(ModelConfig.FULL_ATTENTION, ModelConfig.SLIDING_ATTENTION);
    assertThat(c.isSlidingLayer(0)).isFalse();
    assertThat(c.isSlidingLayer(1)).isTrue();
  }

  @Test
  void llamaIgnoresASlidingWindowKeyAsTransformersDoes() throws Exception {
    assertThat(read(SMOLLM2_V5.replace("\"vocab_size\"", "\"sliding_window\": 16, \"vocab_size\"")).hasSlidingLayers())
        .isFalse();
  }

  @Test
  void slidingLayersOutsideMistralAndQwen2AreRefusedInCode() {
    assertThatThrownBy(() -> TestCheckpoints.tinyLlama().newBuilder().slidingWindowEverywhere(4).build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("not part of llama");
  }
}
