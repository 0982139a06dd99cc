package io.cpt4j.tokenize.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * The {@code add_bos_token}/{@code add_eos_token} rule of transformers 5's {@code
 * TokenizersBackend}: when {@code tokenizer_config.json} names either flag, or {@code
 * tokenizer.json} has no post-processor, the post-processor is replaced by "BOS? text EOS?" with the
 * config's {@code bos_token} and {@code eos_token} (a flag whose token is unset adds nothing).
 */
record SpecialTokenRule(boolean addBos, boolean addEos, Optional<String> bosToken, Optional<String> eosToken) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The rule for {@code tokenizerJson}, or null when its post-processor decides. */
  static SpecialTokenRule read(Path tokenizerJson, JsonNode postProcessor) {
    Path configFile = tokenizerJson.resolveSibling("tokenizer_config.json");
    JsonNode config = Files.isRegularFile(configFile) ? tree(configFile) : JSON.createObjectNode();
    boolean explicit = config.has("add_bos_token") || config.has("add_eos_token");
    boolean noPostProcessor = postProcessor == null || postProcessor.isNull() || postProcessor.isMissingNode();
    if (!explicit && !noPostProcessor) {
      return null;
    }
    return new SpecialTokenRule(config.path("add_bos_token").asBoolean(false),
        config.path("add_eos_token").asBoolean(false), token(config, "bos_token", configFile),
        token(config, "eos_token", configFile));
  }

  List<Integer> prefix(Function<String, OptionalInt> ids) {
    return addBos ? id(bosToken, ids) : List.of();
  }

  List<Integer> suffix(Function<String, OptionalInt> ids) {
    return addEos ? id(eosToken, ids) : List.of();
  }

  private static List<Integer> id(Optional<String> token, Function<String, OptionalInt> ids) {
    if (token.isEmpty()) {
      return List.of();
    }
    OptionalInt id = ids.apply(token.get());
    if (id.isEmpty()) {
      throw new CheckpointException(null, "tokenizer_config.json names special token '" + token.get()
          + "', which is not in the vocabulary");
    }
    return List.of(id.getAsInt());
  }

  /** A special token entry: a string, null, or an AddedToken object with "content". */
  static Optional<String> token(JsonNode config, String key, Path file) {
    JsonNode n = config.get(key);
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (n.isTextual()) {
      return Optional.of(n.textValue());
    }
    if (n.isObject() && n.path("content").isTextual()) {
      return Optional.of(n.path("content").textValue());
    }
    throw new CheckpointException(file, key + " must be a string, null or {\"content\": ...}, got " + n);
  }

  private static JsonNode tree(Path file) {
    try {
      JsonNode n = JSON.readTree(file.toFile());
      if (n == null || !n.isObject()) {
        throw new CheckpointException(file, "not a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw new CheckpointException(file, "not valid JSON: " + e.getMessage(), e);
    }
  }
}
