package io.cpt4j.merge.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.tokenize.internal.JinjaChatTemplate;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * mergekit's tokenizer and chat-template keys: {@code tokenizer_source: X} or the newer {@code
 * tokenizer: {source: X}} (one of them; per-token embedding sources are refused), and {@code
 * chat_template}: "auto" (the template most of the inputs share), "chatml" (built in), or an inline
 * Jinja template.
 */
final class MergeTokenizerKeys {
  private MergeTokenizerKeys() {}

  /** The standard ChatML template, mergekit's built-in "chatml". */
  static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
      + "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
      + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

  /** The tokenizer source the file names, from either key, or null. */
  static String source(JsonNode root) {
    JsonNode legacy = root.get("tokenizer_source");
    JsonNode block = root.get("tokenizer");
    if (block == null || block.isNull()) {
      return legacy == null || legacy.isNull() ? null : text(legacy, "tokenizer_source");
    }
    if (legacy != null && !legacy.isNull()) {
      throw new MergeConfigParams.Bad("tokenizer", "and tokenizer_source are mutually exclusive: keep one");
    }
    if (!block.isObject()) {
      throw new MergeConfigParams.Bad("tokenizer", "must be a mapping such as {source: base}");
    }
    for (var it = block.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!key.equals("source")) {
        throw new MergeConfigParams.Bad("tokenizer." + key, "is not supported: cpt4j takes one model's whole"
            + " vocabulary and its embeddings (tokenizer: {source: ...})");
      }
    }
    JsonNode src = block.get("source");
    return src == null || src.isNull() ? null : text(src, "tokenizer.source");
  }

  /** The {@code chat_template} value, or null. */
  static String chatTemplateValue(JsonNode root) {
    JsonNode n = root.get("chat_template");
    return n == null || n.isNull() ? null : text(n, "chat_template");
  }

  /**
   * The template text {@code value} stands for: the most common one among {@code inputs} ("auto";
   * the first in input order on a tie), the built-in "chatml", or {@code value} itself when it is a
   * Jinja template.
   */
  static String template(String value, Collection<Checkpoint> inputs) {
    if (value.contains("{%") || value.contains("{{")) {
      return value;
    }
    return switch (value) {
      case "chatml" -> CHATML;
      case "auto" -> {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Checkpoint c : inputs) {
          Optional<JinjaChatTemplate> t = JinjaChatTemplate.load(c.directory());
          t.ifPresent(template -> counts.merge(template.source(), 1, Integer::sum));
        }
        yield counts.entrySet().stream().reduce((a, b) -> b.getValue() > a.getValue() ? b : a)
            .map(Map.Entry::getKey)
            .orElseThrow(() -> new MergeConfigParams.Bad("chat_template", "auto found no chat template among the"
                + " inputs"));
      }
      default -> throw new MergeConfigParams.Bad("chat_template", "'" + value + "' is not a template cpt4j knows"
          + " (auto, chatml, or an inline Jinja template)");
    };
  }

  /**
   * Refuses the built-in ChatML template for an output whose tokenizer lacks its turn tokens (mergekit
   * adds them to a union vocabulary; cpt4j keeps one model's vocabulary, so they would be plain text).
   */
  static void requireChatmlTokens(Checkpoint tokenizerSource) {
    java.nio.file.Path file = tokenizerSource.directory().resolve("tokenizer.json");
    if (!java.nio.file.Files.isRegularFile(file)) {
      return;
    }
    try (io.cpt4j.tokenize.Tokenizer t = io.cpt4j.tokenize.Tokenizer.open(file)) {
      for (String token : new String[] {"<|im_start|>", "<|im_end|>"}) {
        if (t.tokenId(token).isEmpty()) {
          throw new MergeConfigParams.Bad("chat_template", "chatml needs " + token + " in the output's vocabulary,"
              + " which " + file + " lacks (cpt4j does not add tokens): pick a template the tokenizer has");
        }
      }
    }
  }

  private static String text(JsonNode n, String key) {
    if (!n.isTextual()) {
      throw new MergeConfigParams.Bad(key, "must be a string, got " + n);
    }
    return n.textValue();
  }
}
