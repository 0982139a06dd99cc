package io.cpt4j.onnx.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.onnx.Generation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The decoding defaults a model ships in {@code generation_config.json}, read with transformers'
 * {@code GenerationConfig} semantics: {@code do_sample} false (its default) is greedy whatever the
 * temperature says; sampling uses {@code temperature} (default 1.0), {@code top_k} (default 50) and
 * {@code top_p} (default 1.0); {@code repetition_penalty} applies either way; {@code eos_token_id}
 * (an id or a list) replaces config.json's end-of-sequence ids as the stop tokens; {@code
 * max_new_tokens} bounds the output. Without the file: greedy, config.json's ids, {@code
 * fallbackMaxNewTokens}.
 */
public final class GenerationDefaults {
  private GenerationDefaults() {}

  public static final String FILE = "generation_config.json";

  /** Tokens generated at most when neither the caller nor the file says. */
  public static final int FALLBACK_MAX_NEW_TOKENS = 128;

  public static Generation read(Path modelDir, ModelConfig config, int fallbackMaxNewTokens) {
    Generation.Builder g = Generation.builder().maxNewTokens(fallbackMaxNewTokens).stopTokens(config.eosTokenIds());
    Path file = modelDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return g.build();
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new CheckpointException(file, "not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(file, "not a JSON object");
    }
    try {
      List<Integer> eos = io.cpt4j.checkpoint.internal.HfConfigCodec.tokenIds(root.get("eos_token_id"), "eos_token_id");
      if (eos != null) {
        g.stopTokens(eos);
      }
      if (number(root, "max_new_tokens") != null) {
        g.maxNewTokens(number(root, "max_new_tokens").intValue());
      }
      if (number(root, "repetition_penalty") != null) {
        g.repetitionPenalty(number(root, "repetition_penalty").doubleValue());
      }
      JsonNode sample = root.get("do_sample");
      if (sample != null && !sample.isNull() && !sample.isBoolean()) {
        throw new IllegalArgumentException("do_sample must be true or false, got " + sample);
      }
      if (sample != null && sample.asBoolean()) {
        Number t = number(root, "temperature");
        Number k = number(root, "top_k");
        Number p = number(root, "top_p");
        g.temperature(t == null ? 1.0 : t.doubleValue()).topK(k == null ? 50 : k.intValue())
            .topP(p == null ? 1.0 : p.doubleValue());
      }
      return g.build();
    } catch (IllegalArgumentException | io.cpt4j.checkpoint.ConfigException e) {
      throw new CheckpointException(file, e.getMessage(), e);
    }
  }

  private static Number number(JsonNode root, String key) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isNumber()) {
      throw new IllegalArgumentException(key + " must be a number, got " + n);
    }
    return n.numberValue();
  }

}
