package io.cpt4j.tokenize.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads a model directory's chat templates and special tokens the way transformers' tokenizer
 * loading does (tokenization_utils_base.py, {@code from_pretrained}): {@code chat_template.jinja}
 * and {@code chat_templates/*.jinja}, else {@code tokenizer_config.json}'s {@code chat_template};
 * tokens from {@code tokenizer_config.json} and {@code special_tokens_map.json}. Malformed files
 * are {@link CheckpointException}s naming the file and key. Stateless; thread-safe.
 */
final class ChatTemplateFiles {
  static final String CONFIG = "tokenizer_config.json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> TOKEN_KEYS =
      List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

  private ChatTemplateFiles() {}

  static JsonNode readJsonObject(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
      if (node == null || !node.isObject()) {
        throw new CheckpointException(file, "must hold a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new CheckpointException(file, "not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  /** The model's templates by name, each as {text, origin}. Template files win over the config. */
  static Map<String, String[]> templates(Path dir, JsonNode config) {
    Path configFile = dir.resolve(CONFIG);
    Map<String, String[]> templates = new LinkedHashMap<>();
    Path main = dir.resolve("chat_template.jinja");
    if (Files.isRegularFile(main)) {
      templates.put(JinjaChatTemplate.DEFAULT_NAME, new String[] {readText(main), main.toString()});
    }
    Path more = dir.resolve("chat_templates");
    if (Files.isDirectory(more)) {
      try (Stream<Path> files = Files.list(more)) {
        for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".jinja")).sorted().toList()) {
          String name = f.getFileName().toString().replaceFirst("\\.jinja$", "");
          templates.put(name, new String[] {readText(f), f.toString()});
        }
      } catch (IOException e) {
        throw new CheckpointException(more, "cannot list: " + e.getMessage(), e);
      }
    }
    JsonNode value = config == null ? null : config.get("chat_template");
    if (!templates.isEmpty() || value == null || value.isNull()) {
      return templates;
    }
    if (value.isTextual()) {
      templates.put(JinjaChatTemplate.DEFAULT_NAME, new String[] {value.asText(), configFile + " (key chat_template)"});
    } else if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        JsonNode entry = value.get(i);
        if (!entry.path("name").isTextual() || !entry.path("template").isTextual()) {
          throw new CheckpointException(configFile, "chat_template[" + i
              + "] must be an object with string \"name\" and \"template\"");
        }
        String name = entry.get("name").asText();
        templates.put(name, new String[] {entry.get("template").asText(),
            configFile + " (key chat_template, name \"" + name + "\")"});
      }
    } else {
      throw new CheckpointException(configFile, "chat_template must be a string or a list of "
          + "{\"name\", \"template\"} objects, not " + value.getNodeType().toString().toLowerCase());
    }
    return templates;
  }

  private static String readText(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * The tokenizer's special tokens as transformers passes them to templates: the standard ones
   * and any model-specific {@code *_token} with a text value from {@code tokenizer_config.json};
   * {@code special_tokens_map.json} overrides them when the config has no
   * {@code added_tokens_decoder} (transformers' legacy path) and otherwise fills tokens the config
   * lacks. Null tokens are left out, so {@code bos_token is defined} is false, as in transformers.
   */
  static Map<String, String> specialTokens(Path dir, JsonNode config) {
    Path configFile = dir.resolve(CONFIG);
    Path mapFile = dir.resolve("special_tokens_map.json");
    JsonNode map = readJsonObject(mapFile);
    Map<String, String> tokens = new LinkedHashMap<>();
    for (String key : TOKEN_KEYS) {
      boolean legacy = config == null || !config.has("added_tokens_decoder");
      boolean fromMap = map != null && map.has(key) && (legacy || config == null || !config.has(key));
      String text = fromMap ? tokenText(mapFile, map, key) : tokenText(configFile, config, key);
      if (text != null) {
        tokens.put(key, text);
      }
    }
    if (config != null) {
      for (Map.Entry<String, JsonNode> e : config.properties()) {
        JsonNode v = e.getValue();
        if (e.getKey().endsWith("_token") && !tokens.containsKey(e.getKey()) && !TOKEN_KEYS.contains(e.getKey())
            && (v.isTextual() || v.isObject() && v.path("content").isTextual())) {
          tokens.put(e.getKey(), tokenText(configFile, config, e.getKey()));
        }
      }
    }
    return tokens;
  }

  /** A token value: a string, null, or an AddedToken object {"content": ...}. */
  private static String tokenText(Path file, JsonNode json, String key) {
    JsonNode v = json == null ? null : json.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isObject() && v.path("content").isTextual()) {
      return v.get("content").asText();
    }
    throw new CheckpointException(file, key + " must be a string, null or an AddedToken object with a "
        + "string \"content\", not " + v.getNodeType().toString().toLowerCase());
  }
}
