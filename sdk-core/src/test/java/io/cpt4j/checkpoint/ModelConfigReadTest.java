package io.cpt4j.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelConfig#read} on config.json files as published on the Hugging Face hub, and its
 * errors. Parameter counts are checked against the published model sizes; each is derived by hand
 * in the test's comment.
 */
class ModelConfigReadTest {
  @TempDir Path tmp;

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

  static final String LLAMA_2_7B = """
      {"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
       "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 11008, "max_position_embeddings": 4096,
       "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32,
       "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null, "tie_word_embeddings": false,
       "torch_dtype": "float16", "transformers_version": "4.31.0.dev0", "use_cache": true, "vocab_size": 32000}
      """;

  @Test
  void llama2With7BillionParameters() throws Exception {
    ModelConfig c = read(LLAMA_2_7B);
    assertThat(c.architecture()).isEqualTo(Architecture.LLAMA);
    assertThat(c.hfClass()).isEqualTo("LlamaForCausalLM");
    assertThat(c.modelType()).isEqualTo("llama");
    assertThat(List.of(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(), c.numKvHeads()))
        .containsExactly(32000, 4096, 11008, 32, 32, 32);
    assertThat(c.headDim()).isEqualTo(128);
    assertThat(c.queriesPerKvHead()).isEqualTo(1);
    assertThat(c.maxPositionEmbeddings()).isEqualTo(4096);
    assertThat(c.ropeTheta()).isEqualTo(10000.0); // absent: LlamaConfig's default
    assertThat(c.rotaryPct()).isEqualTo(1.0);
    assertThat(c.rotaryDim()).isEqualTo(128);
    assertThat(c.normEps()).isEqualTo(1e-5);
    assertThat(c.tieWordEmbeddings() || c.qkvBias() || c.attentionOutputBias() || c.mlpBias() || c.parallelResidual())
        .isFalse();
    assertThat(c.hiddenAct()).isEqualTo("silu");
    assertThat(c.torchDtype()).isEqualTo("float16");
    assertThat(c.bosTokenId()).hasValue(1);
    assertThat(c.eosTokenIds()).containsExactly(2);
    assertThat(c.ropeScaling()).isEmpty();
    // embed + head: 2 * 32000 * 4096 = 262,144,000
    // per layer: attention 4 * 4096^2 = 67,108,864; MLP 3 * 4096 * 11008 = 135,266,304; norms 2 * 4096 = 8,192
    //   = 202,383,360, times 32 layers = 6,476,267,520
    // final norm 4,096 -> 262,144,000 + 6,476,267,520 + 4,096 = 6,738,415,616
    assertThat(c.parameterCount()).isEqualTo(6_738_415_616L);
  }

  static final String LLAMA_3_1_8B = """
      {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
       "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu", "hidden_size": 4096,
       "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 131072, "mlp_bias": false,
       "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
       "pretraining_tp": 1, "rms_norm_eps": 1e-05,
       "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                        "original_max_position_embeddings": 8192, "rope_type": "llama3"},
       "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
       "transformers_version": "4.42.3", "use_cache": true, "vocab_size": 128256}
      """;

  @Test
  void llama3WithGroupedQueryAttentionAndRopeScaling() throws Exception {
    ModelConfig c = read(LLAMA_3_1_8B);
    assertThat(c.numHeads()).isEqualTo(32);
    assertThat(c.numKvHeads()).isEqualTo(8);
    assertThat(c.queriesPerKvHead()).isEqualTo(4);
    assertThat(c.headDim()).isEqualTo(128);
    assertThat(c.ropeTheta()).isEqualTo(500_000.0);
    assertThat(c.maxPositionEmbeddings()).isEqualTo(131_072);
    assertThat(c.bosTokenId()).hasValue(128000);
    assertThat(c.eosTokenIds()).containsExactly(128001, 128008, 128009);
    assertThat(c.ropeScaling()).containsEntry("rope_type", "llama3").containsEntry("factor", 8.0)
        .containsEntry("original_max_position_embeddings", 8192).hasSize(5);
    assertThat(c.torchDtype()).isEqualTo("bfloat16");
    assertThat(c.expectedTensors().get("model.layers.0.self_attn.k_proj.weight")).containsExactly(1024L, 4096L);
    // embed + head: 2 * 128256 * 4096 = 1,050,673,152
    // per layer: q, o 2 * 4096^2 = 33,554,432; k, v 2 * 1024 * 4096 = 8,388,608; MLP 3 * 4096 * 14336 = 176,160,768;
    //   norms 8,192 -> 218,112,000, times 32 = 6,979,584,000
    // + final norm 4,096 = 8,030,261,248
    assertThat(c.parameterCount()).isEqualTo(8_030_261_248L);
  }

  static final String TINYLLAMA = """
      {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 1, "eos_token_id": 2,
       "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 5632,
       "max_position_embeddings": 2048, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 22,
       "num_key_value_heads": 4, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null,
       "rope_theta": 10000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
       "transformers_version": "4.35.0", "use_cache": true, "vocab_size": 32000}
      """;

  @Test
  void tinyLlamaWithFourKeyValueHeads() throws Exception {
    ModelConfig c = read(TINYLLAMA);
    assertThat(c.headDim()).isEqualTo(64);
    assertThat(c.numKvHeads()).isEqualTo(4);
    assertThat(c.queriesPerKvHead()).isEqualTo(8);
    assertThat(c.numLayers()).isEqualTo(22);
    // embed + head: 2 * 32000 * 2048 = 131,072,000
    // per layer: q, o 2 * 2048^2 = 8,388,608; k, v 2 * 256 * 2048 = 1,048,576; MLP 3 * 2048 * 5632 = 34,603,008;
    //   norms 4,096 -> 44,044,288, times 22 = 968,974,336
    // + final norm 2,048 = 1,100,048,384
    assertThat(c.parameterCount()).isEqualTo(1_100_048_384L);
  }

  static final String MISTRAL_7B = """
      {"architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
       "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 32768,
       "model_type": "mistral", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
       "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096, "tie_word_embeddings": false,
       "torch_dtype": "bfloat16", "transformers_version": "4.34.0.dev0", "use_cache": true, "vocab_size": 32000}
      """;

  @Test
  void mistralWithSlidingWindowIsALlamaFamilyModel() throws Exception {
    ModelConfig c = read(MISTRAL_7B);
    assertThat(c.architecture()).isEqualTo(Architecture.LLAMA);
    assertThat(c.hfClass()).isEqualTo("MistralForCausalLM");
    assertThat(c.modelType()).isEqualTo("mistral");
    assertThat(c.maxPositionEmbeddings()).isEqualTo(32768);
    assertThat(c.numKvHeads()).isEqualTo(8);
    // as Llama 3 8B but with a 32000-token vocabulary: 6,979,584,000 + 2 * 32000 * 4096 + 4,096 = 7,241,732,096
    assertThat(c.parameterCount()).isEqualTo(7_241_732_096L);
  }

  static final String QWEN2_0_5B = """
      {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
       "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
       "intermediate_size": 4864, "max_position_embeddings": 131072, "max_window_layers": 24, "model_type": "qwen2",
       "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
       "rope_theta": 1000000.0, "sliding_window": 131072, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
       "transformers_version": "4.40.1", "use_cache": true, "use_sliding_window": false, "vocab_size": 151936}
      """;

  @Test
  void qwen2HasBiasesOnQueryKeyAndValueOnly() throws Exception {
    ModelConfig c = read(QWEN2_0_5B);
    assertThat(c.hfClass()).isEqualTo("Qwen2ForCausalLM");
    assertThat(c.qkvBias()).isTrue();
    assertThat(c.attentionOutputBias()).isFalse();
    assertThat(c.mlpBias()).isFalse();
    assertThat(c.tieWordEmbeddings()).isTrue();
    assertThat(c.headDim()).isEqualTo(64);
    assertThat(c.ropeTheta()).isEqualTo(1e6);
    assertThat(c.normEps()).isEqualTo(1e-6);
    Map<String, List<Long>> expected = c.expectedTensors();
    assertThat(expected.get("model.layers.0.self_attn.q_proj.bias")).containsExactly(896L);
    assertThat(expected.get("model.layers.0.self_attn.k_proj.bias")).containsExactly(128L);
    assertThat(expected).doesNotContainKeys("model.layers.0.self_attn.o_proj.bias", "lm_head.weight");
    // embed (tied, counted once): 151936 * 896 = 136,134,656
    // per layer: q 896^2 + 896 = 803,712; k, v 2 * (128 * 896 + 128) = 229,632; o 896^2 = 802,816;
    //   MLP 3 * 896 * 4864 = 13,074,432; norms 1,792 -> 14,912,384, times 24 = 357,897,216
    // + final norm 896 = 494,032,768
    assertThat(c.parameterCount()).isEqualTo(494_032_768L);
  }

  static final String PYTHIA_160M = """
      {"architectures": ["GPTNeoXForCausalLM"], "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "gelu",
       "hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-05,
       "max_position_embeddings": 2048, "model_type": "gpt_neox", "num_attention_heads": 12,
       "num_hidden_layers": 12, "rotary_emb_base": 10000, "rotary_pct": 0.25, "tie_word_embeddings": false,
       "torch_dtype": "float16", "transformers_version": "4.24.0", "use_cache": true,
       "use_parallel_residual": true, "vocab_size": 50304}
      """;

  @Test
  void pythia160mIsGptNeoXWithPartialRotaryAndParallelResidual() throws Exception {
    ModelConfig c = read(PYTHIA_160M);
    assertThat(c.architecture()).isEqualTo(Architecture.GPT_NEOX);
    assertThat(c.modelType()).isEqualTo("gpt_neox");
    assertThat(c.headDim()).isEqualTo(64);
    assertThat(c.rotaryPct()).isEqualTo(0.25);
    assertThat(c.rotaryDim()).isEqualTo(16);
    assertThat(c.ropeTheta()).isEqualTo(10000.0);
    assertThat(c.normEps()).isEqualTo(1e-5);
    assertThat(c.parallelResidual()).isTrue();
    assertThat(c.qkvBias() && c.attentionOutputBias() && c.mlpBias()).isTrue();
    assertThat(c.hiddenAct()).isEqualTo("gelu");
    assertThat(c.bosTokenId()).hasValue(0);
    assertThat(c.eosTokenIds()).containsExactly(0);
    assertThat(c.expectedTensors().get("gpt_neox.layers.0.attention.query_key_value.weight")).containsExactly(2304L, 768L);
    // embed_in + embed_out: 2 * 50304 * 768 = 77,266,944
    // per layer: 2 LayerNorms 4 * 768 = 3,072; qkv 2304 * 768 + 2304 = 1,771,776; dense 768^2 + 768 = 590,592;
    //   h_to_4h 3072 * 768 + 3072 = 2,362,368; 4h_to_h 768 * 3072 + 768 = 2,360,064 -> 7,087,872, times 12 = 85,054,464
    // + final LayerNorm 1,536 = 162,322,944
    assertThat(c.parameterCount()).isEqualTo(162_322_944L);
  }

  @Test
  void gptNeoXReadsItsOwnFieldNames() throws Exception {
    ModelConfig c = read(PYTHIA_160M.replace("\"rotary_emb_base\": 10000", "\"rotary_emb_base\": 25000")
        .replace("\"use_parallel_residual\": true", "\"use_parallel_residual\": false")
        .replace("\"layer_norm_eps\": 1e-05", "\"layer_norm_eps\": 1e-06")
        .replace("\"rotary_pct\": 0.25", "\"rotary_pct\": 0.5"));
    assertThat(c.ropeTheta()).isEqualTo(25000.0);
    assertThat(c.parallelResidual()).isFalse();
    assertThat(c.normEps()).isEqualTo(1e-6);
    assertThat(c.rotaryDim()).isEqualTo(32);
  }

  @Test
  void llamaAttentionAndMlpBiasFlagsAreRead() throws Exception {
    ModelConfig c = read(TINYLLAMA.replace("\"attention_bias\": false", "\"attention_bias\": true, \"mlp_bias\": true"));
    assertThat(c.qkvBias() && c.attentionOutputBias() && c.mlpBias()).isTrue();
    assertThat(c.expectedTensors()).containsKeys("model.layers.0.self_attn.o_proj.bias", "model.layers.0.mlp.up_proj.bias");
  }

  @Test
  void theModelTypeStandsInForMissingArchitectures() throws Exception {
    ModelConfig c = read(MISTRAL_7B.replace("\"architectures\": [\"MistralForCausalLM\"], ", ""));
    assertThat(c.hfClass()).isEqualTo("MistralForCausalLM");
  }

  @Test
  void anExplicitHeadDimIsKept() throws Exception {
    ModelConfig c = read(TINYLLAMA.replace("\"hidden_size\": 2048,", "\"hidden_size\": 2048, \"head_dim\": 128,"));
    assertThat(c.headDim()).isEqualTo(128);
    assertThat(c.expectedTensors().get("model.layers.0.self_attn.q_proj.weight")).containsExactly(4096L, 2048L);
  }

  @Test
  void ropeScalingEntriesThatAreNullAreDropped() throws Exception {
    ModelConfig c = read(LLAMA_3_1_8B.replace("\"rope_type\": \"llama3\"}", "\"rope_type\": \"llama3\", \"type\": null}"));
    assertThat(c.ropeScaling()).containsEntry("rope_type", "llama3").doesNotContainKey("type").hasSize(5);
  }

  @Test
  void writtenConfigsReadBackEqual() throws Exception {
    for (String json : List.of(LLAMA_2_7B, LLAMA_3_1_8B, TINYLLAMA, MISTRAL_7B, QWEN2_0_5B, PYTHIA_160M)) {
      ModelConfig c = read(json);
      assertThat(read(TestCheckpoints.configJson(c))).isEqualTo(c);
    }
  }

  // ------------------------------------------------------------------------ errors

  @Test
  void headsThatDoNotDivideTheHiddenSizeAreRejected() throws Exception {
    assertRejected(LLAMA_2_7B.replace("\"num_attention_heads\": 32", "\"num_attention_heads\": 30")
        .replace("\"num_key_value_heads\": 32", "\"num_key_value_heads\": 30"),
        "hidden_size (4096)", "num_attention_heads (30)");
  }

  @Test
  void keyValueHeadsThatDoNotDivideTheHeadsAreRejected() throws Exception {
    assertRejected(LLAMA_3_1_8B.replace("\"num_key_value_heads\": 8", "\"num_key_value_heads\": 5"),
        "num_attention_heads (32)", "num_key_value_heads (5)");
  }

  @Test
  void aMissingVocabSizeIsRejected() throws Exception {
    assertRejected(TINYLLAMA.replace(", \"vocab_size\": 32000", ""), "missing required field vocab_size");
  }

  @Test
  void fieldsOfTheWrongTypeAreRejected() throws Exception {
    assertRejected(TINYLLAMA.replace("\"hidden_size\": 2048", "\"hidden_size\": \"2048\""), "hidden_size must be an integer");
    assertRejected(TINYLLAMA.replace("\"hidden_size\": 2048", "\"hidden_size\": 2048.5"), "hidden_size must be an integer");
    assertRejected(TINYLLAMA.replace("\"rope_theta\": 10000.0", "\"rope_theta\": \"big\""), "rope_theta must be a number");
    assertRejected(TINYLLAMA.replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": \"no\""),
        "tie_word_embeddings must be true or false");
    assertRejected(TINYLLAMA.replace("\"eos_token_id\": 2", "\"eos_token_id\": \"2\""), "eos_token_id");
    assertRejected(TINYLLAMA.replace("\"rope_scaling\": null", "\"rope_scaling\": 2"), "rope_scaling");
    assertRejected(TINYLLAMA.replace("\"torch_dtype\": \"bfloat16\"", "\"torch_dtype\": 16"), "torch_dtype must be a string");
    assertRejected(TINYLLAMA.replace("[\"LlamaForCausalLM\"]", "\"LlamaForCausalLM\""), "architectures");
  }

  @Test
  void valuesOutOfRangeAreRejected() throws Exception {
    assertRejected(TINYLLAMA.replace("\"num_hidden_layers\": 22", "\"num_hidden_layers\": 0"), "num_hidden_layers");
    assertRejected(TINYLLAMA.replace("\"eos_token_id\": 2", "\"eos_token_id\": 32000"), "eos_token_id 32000", "vocabulary");
    assertRejected(TINYLLAMA.replace("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": 0"), "epsilon");
    assertRejected(PYTHIA_160M.replace("\"rotary_pct\": 0.25", "\"rotary_pct\": 0.3"), "rotary dimension");
    assertRejected(PYTHIA_160M.replace("\"rotary_pct\": 0.25", "\"rotary_pct\": 1.5"), "rotary_pct");
    assertRejected(TINYLLAMA.replace("\"rope_theta\": 10000.0", "\"rope_theta\": -1"), "rope_theta");
  }

  @Test
  void anUnsupportedArchitectureIsRejected() throws Exception {
    assertRejected(TINYLLAMA.replace("LlamaForCausalLM", "FalconForCausalLM"), "unsupported architecture FalconForCausalLM");
    assertRejected("{\"model_type\": \"bert\", \"vocab_size\": 10}", "unsupported model_type 'bert'");
    assertRejected("{\"vocab_size\": 10}", "neither architectures nor model_type");
  }

  @Test
  void aFileThatIsNotAJsonObjectIsRejected() throws Exception {
    assertRejected("{\"architectures\": [", "not valid JSON");
    assertRejected("[1, 2]", "not a JSON object");
    assertRejected(TINYLLAMA + " {}", "not valid JSON");
    assertRejected("", "not a JSON object");
    assertThatThrownBy(() -> ModelConfig.read(tmp.resolve("absent.json")))
        .isExactlyInstanceOf(ConfigException.class).hasMessageContaining("absent.json").hasMessageContaining("no such file");
  }
}
