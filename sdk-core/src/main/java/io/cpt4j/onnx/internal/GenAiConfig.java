package io.cpt4j.onnx.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.List;

/**
 * The {@code genai_config.json} that ONNX Runtime GenAI reads next to a decoder: model sizes, token
 * ids, the decoder file and its input/output names (as printf patterns over the layer index), and
 * search options from the model's generation_config.json ({@link GenerationDefaults}: greedy unless
 * it samples, its temperature, top-k, top-p, repetition penalty; up to the context length), and
 * its end-of-sequence list (generation_config's, else config.json's). {@code
 * past_present_share_buffer} is false: the graph concatenates past and new keys instead of writing
 * into a preallocated buffer.
 */
final class GenAiConfig {
  private GenAiConfig() {}

  static ObjectNode of(ModelConfig c, ObjectMapper json, boolean kvCache, JsonNode hfConfig,
      io.cpt4j.onnx.Generation defaults) {
    ObjectNode root = json.createObjectNode();
    ObjectNode model = root.putObject("model");
    c.bosTokenId().ifPresent(id -> model.put("bos_token_id", id));
    model.put("context_length", c.maxPositionEmbeddings());
    ObjectNode decoder = model.putObject("decoder");
    ObjectNode session = decoder.putObject("session_options");
    session.put("log_id", "onnxruntime-genai");
    session.putArray("provider_options");
    decoder.put("filename", OnnxModelWriter.MODEL);
    decoder.put("head_size", c.headDim());
    decoder.put("hidden_size", c.hiddenSize());
    ObjectNode inputs = decoder.putObject("inputs");
    inputs.put("input_ids", DecoderGraph.INPUT_IDS);
    inputs.put("attention_mask", DecoderGraph.ATTENTION_MASK);
    inputs.put("position_ids", DecoderGraph.POSITION_IDS);
    ObjectNode outputs = decoder.putObject("outputs");
    outputs.put("logits", DecoderGraph.LOGITS);
    if (kvCache) {
      inputs.put("past_key_names", "past_key_values.%d.key");
      inputs.put("past_value_names", "past_key_values.%d.value");
      outputs.put("present_key_names", "present.%d.key");
      outputs.put("present_value_names", "present.%d.value");
    }
    decoder.put("num_attention_heads", c.numHeads());
    decoder.put("num_hidden_layers", c.numLayers());
    decoder.put("num_key_value_heads", c.numKvHeads());
    List<Integer> eos = defaults.stopTokens();
    if (eos.size() == 1) {
      model.put("eos_token_id", eos.get(0));
    } else if (eos.size() > 1) {
      ArrayNode a = model.putArray("eos_token_id");
      eos.forEach(a::add);
    }
    model.put("pad_token_id", padTokenId(c, hfConfig));
    model.put("type", genAiType(c.modelType()));
    model.put("vocab_size", c.vocabSize());
    ObjectNode search = root.putObject("search");
    search.put("diversity_penalty", 0.0);
    search.put("do_sample", !defaults.isGreedy());
    search.put("early_stopping", true);
    search.put("length_penalty", 1.0);
    search.put("max_length", c.maxPositionEmbeddings());
    search.put("min_length", 0);
    search.put("no_repeat_ngram_size", 0);
    search.put("num_beams", 1);
    search.put("num_return_sequences", 1);
    search.put("past_present_share_buffer", false);
    search.put("repetition_penalty", defaults.repetitionPenalty());
    search.put("temperature", defaults.isGreedy() ? 1.0 : defaults.temperature());
    search.put("top_k", defaults.isGreedy() ? 1 : defaults.topK());
    search.put("top_p", defaults.topP());
    return root;
  }

  /** Model types ONNX Runtime GenAI runs as a plain decoder under their own name. */
  static final java.util.Set<String> GENAI_TYPES = java.util.Set.of("llama", "mistral", "qwen2");

  /**
   * The GenAI {@code type}: the HF model type where GenAI knows it as a decoder-only LLM, else its
   * generic "decoder" (GPT-NeoX has no type of its own there).
   */
  static String genAiType(String modelType) {
    return GENAI_TYPES.contains(modelType) ? modelType : "decoder";
  }

  /** {@code pad_token_id} of config.json if it is an integer, else the first end-of-sequence id, else 0. */
  static int padTokenId(ModelConfig c, JsonNode hfConfig) {
    JsonNode pad = hfConfig == null ? null : hfConfig.get("pad_token_id");
    if (pad != null && pad.canConvertToInt() && pad.isIntegralNumber()) {
      return pad.intValue();
    }
    return c.eosTokenIds().isEmpty() ? 0 : c.eosTokenIds().get(0);
  }
}
