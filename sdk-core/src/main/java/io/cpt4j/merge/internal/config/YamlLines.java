package io.cpt4j.merge.internal.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * The line of every key and value in a YAML document, by path ({@code models[1].parameters.weight}),
 * so that errors found in the parsed tree can name the line. Stateless.
 */
final class YamlLines {
  private YamlLines() {}

  private static final class Frame {
    final String prefix;
    final boolean array;
    String field;
    int index;

    Frame(String prefix, boolean array) {
      this.prefix = prefix;
      this.array = array;
    }

    String child() {
      return array ? prefix + "[" + index + "]" : join(prefix, field);
    }
  }

  /** Path → 1-based line; empty when the document does not parse (the tree parser reports that). */
  static Map<String, Integer> of(byte[] yaml) {
    Map<String, Integer> lines = new HashMap<>();
    Deque<Frame> stack = new ArrayDeque<>();
    try (JsonParser p = new YAMLFactory().createParser(yaml)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        int line = p.currentTokenLocation().getLineNr();
        Frame top = stack.peek();
        switch (t) {
          case FIELD_NAME -> {
            top.field = p.currentName();
            lines.putIfAbsent(top.child(), line);
          }
          case START_OBJECT, START_ARRAY -> {
            String path = top == null ? "" : top.child();
            lines.putIfAbsent(path, line);
            stack.push(new Frame(path, t == JsonToken.START_ARRAY));
          }
          case END_OBJECT, END_ARRAY -> {
            stack.pop();
            completed(stack.peek());
          }
          default -> {
            if (top != null) {
              lines.putIfAbsent(top.child(), line);
            }
            completed(top);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return lines;
    }
    return lines;
  }

  private static void completed(Frame parent) {
    if (parent != null && parent.array) {
      parent.index++;
    }
  }

  static String join(String prefix, String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }
}
