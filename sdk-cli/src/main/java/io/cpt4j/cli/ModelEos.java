package io.cpt4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The end-of-document token a model declares beside its tokenizer: config.json, then generation_config.json. */
final class ModelEos {
  private ModelEos() {}

  /**
   * The first {@code eos_token_id} (an id or a list) of config.json, else generation_config.json, in
   * the directory {@code tokenizerPath} is (or is in); null when neither declares one.
   */
  static Integer beside(Path tokenizerPath) throws IOException {
    Path dir = Files.isDirectory(tokenizerPath) ? tokenizerPath : tokenizerPath.toAbsolutePath().getParent();
    for (String name : new String[] {"config.json", "generation_config.json"}) {
      Path file = dir == null ? null : dir.resolve(name);
      if (file == null || !Files.isRegularFile(file)) {
        continue;
      }
      JsonNode root;
      try {
        root = new ObjectMapper().readTree(file.toFile());
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage());
      }
      JsonNode eos = root == null ? null : root.get("eos_token_id");
      JsonNode first = eos != null && eos.isArray() ? eos.get(0) : eos;
      if (first != null && first.isIntegralNumber() && first.canConvertToInt()) {
        return first.intValue();
      }
      if (first != null && !first.isNull()) {
        throw new IllegalArgumentException(file + ": eos_token_id must be an integer or a list of integers, got " + eos);
      }
    }
    return null;
  }
}
