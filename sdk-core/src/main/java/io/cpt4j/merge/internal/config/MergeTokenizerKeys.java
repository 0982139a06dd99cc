package io.cpt4j.merge.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.merge.MergeTokenizer;
import io.cpt4j.tokenize.internal.JinjaChatTemplate;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * mergekit's tokenizer and chat-template keys: {@code tokenizer_source: X} or the newer {@code
 * tokenizer: {source, tokens, pad_to_multiple_of}} (one of them), and {@code
 * chat_template}: "auto" (the template most of the inputs share), "chatml" (built in), or an inline
 * Jinja template.
 */
final class MergeTokenizerKeys {
  private MergeTokenizerKeys() {}

  /** The standard ChatML template, mergekit's built-in "chatml". */
  static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
      + "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
      + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

  /**
   * The tokenizer block the file gives, from either key ({@code tokenizer_source: X} is {@code
   * tokenizer: {source: X}}), or null; its keys are checked, the values when {@link #resolve}d.
   */
  static JsonNode block(JsonNode root) {
    JsonNode legacy = root.get("tokenizer_source");
    JsonNode block = root.get("tokenizer");
    if (block == null || block.isNull()) {
      return legacy == null || legacy.isNull() ? null
          : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("tokenizer_source",
              text(legacy, "tokenizer_source"));
    }
    if (legacy != null && !legacy.isNull()) {
      throw new MergeConfigParams.Bad("tokenizer", "and tokenizer_source are mutually exclusive: keep one");
    }
    if (!block.isObject()) {
      throw new MergeConfigParams.Bad("tokenizer", "must be a mapping such as {source: union}");
    }
    for (var it = block.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!List.of("source", "tokens", "pad_to_multiple_of").contains(key)) {
        throw new MergeConfigParams.Bad("tokenizer." + key, "is not a tokenizer key (source, tokens, "
            + "pad_to_multiple_of)");
      }
    }
    return block;
  }

  /** A model path of the config resolved to one of the merge's checkpoints; throws {@link MergeConfigParams.Bad}. */
  interface Models {
    Checkpoint resolve(String path, String key);
  }

  /**
   * The merge tokenizer {@code block} describes (mergekit's {@code TokenizerConfig}: source default
   * {@code union}; per-token sources a model path, {@code {kind: zero}} or {@code {kind: model_token,
   * model, token_id | token}}, with {@code force}).
   */
  static MergeTokenizer resolve(JsonNode block, Models models) {
    String key = block.has("tokenizer_source") ? "tokenizer_source" : "tokenizer.source";
    JsonNode src = block.get(block.has("tokenizer_source") ? "tokenizer_source" : "source");
    String source = src == null || src.isNull() ? "union" : text(src, key);
    MergeTokenizer t = switch (source) {
      case "union" -> MergeTokenizer.union();
      case "base" -> MergeTokenizer.base();
      default -> MergeTokenizer.from(models.resolve(source, key));
    };
    JsonNode tokens = block.path("tokens");
    if (!tokens.isMissingNode() && !tokens.isNull() && !tokens.isObject()) {
      throw new MergeConfigParams.Bad("tokenizer.tokens", "must be a mapping of token to {source: ..., force: ...}");
    }
    for (var it = tokens.properties().iterator(); it.hasNext(); ) {
      var e = it.next();
      t = t.token(e.getKey(), embedding(e.getValue(), "tokenizer.tokens." + e.getKey(), models));
    }
    JsonNode pad = block.get("pad_to_multiple_of");
    if (pad != null && !pad.isNull()) {
      if (!pad.canConvertToInt() || !pad.isIntegralNumber() || pad.intValue() < 1) {
        throw new MergeConfigParams.Bad("tokenizer.pad_to_multiple_of", "must be a positive integer, got " + pad);
      }
      t = t.padToMultipleOf(pad.intValue());
    }
    return t;
  }

  private static MergeTokenizer.TokenEmbedding embedding(JsonNode n, String key, Models models) {
    if (!n.isObject() || !n.has("source")) {
      throw new MergeConfigParams.Bad(key, "must be a mapping with a source: {source: MODEL} or {source: {kind: zero}}");
    }
    for (var it = n.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!k.equals("source") && !k.equals("force")) {
        throw new MergeConfigParams.Bad(key + "." + k, "is not a token key (source, force)");
      }
    }
    JsonNode s = n.get("source");
    MergeTokenizer.RowSource row;
    if (s.isTextual()) {
      row = new MergeTokenizer.RowSource.Model(models.resolve(s.textValue(), key + ".source"));
    } else {
      String kind = s.path("kind").asText("");
      row = switch (kind) {
        case "zero" -> new MergeTokenizer.RowSource.Zero();
        case "model_token" -> {
          Checkpoint m = models.resolve(text(s.path("model"), key + ".source.model"), key + ".source.model");
          if (s.has("token_id") == s.has("token")) {
            throw new MergeConfigParams.Bad(key + ".source", "model_token takes exactly one of token_id and token");
          }
          yield new MergeTokenizer.RowSource.ModelToken(m, s.has("token_id") ? s.get("token_id").asInt() : -1,
              s.has("token") ? text(s.get("token"), key + ".source.token") : null);
        }
        default -> throw new MergeConfigParams.Bad(key + ".source", "must be a model path, {kind: zero} or {kind: "
            + "model_token, model: ..., token_id: N}, got " + s);
      };
    }
    JsonNode force = n.get("force");
    boolean forced = force != null && !force.isNull() && force.asBoolean();
    if (force != null && !force.isNull() && !force.isBoolean()) {
      throw new MergeConfigParams.Bad(key + ".force", "must be true or false, got " + force);
    }
    return new MergeTokenizer.TokenEmbedding(row, forced);
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
   * adds them; cpt4j does not, so they would be plain text).
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
