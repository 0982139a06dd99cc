package io.cpt4j.eval.internal.tasks;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.cpt4j.eval.TaskException;
import io.cpt4j.yaml.internal.YamlScan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a task YAML, following {@code include} as the harness's {@code load_yaml_config} does
 * (each included file first, relative to the including file, then the file's own keys over them),
 * refuses YAML tags ({@code !function}: Python code cpt4j cannot run), and hands the merged keys to
 * {@link TaskKeys}. Every error names the file, the line and the key. Stateless.
 */
final class TaskYaml {
  private TaskYaml() {}

  /** Where a top-level key was written: its file and that file's lines by path. */
  record Origin(Path file, Map<String, Integer> lines) {}

  /** The merged keys of a task file and its includes, with where each top-level key came from. */
  record Merged(Path file, ObjectNode root, Map<String, Origin> origins) {

    /** The directory of the file that wrote top-level {@code key}: relative paths in it start there. */
    Path dirOf(String key) {
      return origins.getOrDefault(key, new Origin(file, Map.of())).file().getParent();
    }

    /** {@code file:line: key: } for messages about {@code path}. */
    String where(String path) {
      String top = path.split("[.\\[]", 2)[0];
      Origin o = origins.getOrDefault(top, new Origin(file, Map.of()));
      String p = path;
      Integer line = o.lines().get(p);
      while (line == null && !p.isEmpty()) { // a missing key: the line of its parent
        int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
        p = cut < 0 ? "" : p.substring(0, cut);
        line = o.lines().get(p);
      }
      return o.file() + (line == null ? "" : ":" + line) + ": " + (path.isEmpty() ? "" : path + ": ");
    }
  }

  /**
   * The task in {@code file}, its data read and every evaluated document checked.
   *
   * @throws TaskException naming the file, line and key of the first problem
   */
  static TaskSpec read(Path file) {
    Merged merged = load(file.toAbsolutePath().normalize(), new ArrayDeque<>());
    try {
      return TaskKeys.spec(merged);
    } catch (BadKey b) {
      throw new TaskException(merged.where(b.key) + b.getMessage());
    }
  }

  private static Merged load(Path file, Deque<Path> chain) {
    if (chain.contains(file)) {
      throw new TaskException(chain.peek() + ": include: " + file + " includes itself (through " + chain + ")");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new TaskException(file + ": no such task file"
          + (chain.isEmpty() ? "" : " (included by " + chain.peek() + ")"));
    } catch (IOException e) {
      throw new TaskException(file + ": cannot read: " + e.getMessage(), e);
    }
    JsonNode root;
    try {
      root = new YAMLMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(bytes);
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      throw new TaskException(file + (line > 0 ? ":" + line : "") + ": not valid YAML: "
          + oneLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new TaskException(file + ": cannot read: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new TaskException(file + ": a task file must be a YAML mapping (task, dataset_path, output_type, ...)");
    }
    YamlScan.Result scan = YamlScan.of(bytes);
    for (YamlScan.Tag t : scan.tags()) {
      String tag = t.tag().startsWith("!") ? t.tag() : "!" + t.tag();
      throw new TaskException(file + ":" + t.line() + ": " + t.path() + ": " + (tag.equals("!function")
          ? "!function (Python code next to the task) cannot run in cpt4j; write this key as a Jinja template or "
              + "a field name, or prepare the data so that none is needed"
          : "the YAML tag " + tag + " is not supported"));
    }
    Origin own = new Origin(file, scan.lines());
    ObjectNode merged = ((ObjectNode) root).objectNode();
    Map<String, Origin> origins = new HashMap<>();
    JsonNode include = root.get("include");
    if (include != null && !include.isNull()) {
      List<JsonNode> includes = include.isArray() ? List.copyOf(include.valueStream().toList()) : List.of(include);
      chain.push(file);
      for (JsonNode inc : includes) {
        if (!inc.isTextual()) {
          throw new TaskException(file + ":" + scan.lines().getOrDefault("include", 0)
              + ": include: must name a YAML file");
        }
        Merged sub = load(file.getParent().resolve(inc.asText()).normalize(), chain);
        merged.setAll(sub.root());
        origins.putAll(sub.origins());
      }
      chain.pop();
    }
    root.properties().forEach(e -> {
      if (!e.getKey().equals("include")) {
        merged.set(e.getKey(), e.getValue());
        origins.put(e.getKey(), own);
      }
    });
    return new Merged(file, merged, origins);
  }

  /** SnakeYAML's message on one line, without the echoed source and its marks. */
  private static String oneLine(String message) {
    return String.join("; ", message.lines().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("in 'reader'") && !l.matches("\\^+"))
        .filter(l -> !message.contains("\n    " + l))
        .toList());
  }
}
