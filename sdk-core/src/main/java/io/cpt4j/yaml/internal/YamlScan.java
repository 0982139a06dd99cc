package io.cpt4j.yaml.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One pass over a YAML document's tokens: the line of every key and value by path ({@code
 * metric_list[1].metric}), and every tagged value ({@code !function utils.process_docs}), which a
 * tree read would silently turn into a plain string. The one YAML line locator: merge configs and
 * task files name the line of a bad key with it. Stateless.
 */
public final class YamlScan {
  private YamlScan() {}

  /** A value carrying a YAML tag. */
  public record Tag(String path, int line, String tag) {}

  /** The lines by path (1-based) and the tagged values, in document order. */
  public record Result(Map<String, Integer> lines, List<Tag> tags) {}

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

  /** Scans {@code yaml}; empty results when it does not parse (the tree reader reports that). */
  public static Result of(byte[] yaml) {
    Map<String, Integer> lines = new HashMap<>();
    List<Tag> tags = new ArrayList<>();
    Deque<Frame> stack = new ArrayDeque<>();
    try (JsonParser p = new YAMLFactory().createParser(yaml)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        int line = p.currentTokenLocation().getLineNr();
        Frame top = stack.peek();
        if (t == JsonToken.FIELD_NAME) {
          top.field = p.currentName();
          lines.putIfAbsent(top.child(), line);
          continue;
        }
        String path = top == null ? "" : top.child();
        Object tag = p.getTypeId();
        if (tag != null && t != JsonToken.END_OBJECT && t != JsonToken.END_ARRAY) {
          tags.add(new Tag(path, line, tag.toString()));
        }
        switch (t) {
          case START_OBJECT, START_ARRAY -> {
            lines.putIfAbsent(path, line);
            stack.push(new Frame(path, t == JsonToken.START_ARRAY));
          }
          case END_OBJECT, END_ARRAY -> {
            stack.pop();
            next(stack.peek());
          }
          default -> {
            lines.putIfAbsent(path, line);
            next(top);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return new Result(lines, tags); // the tree reader reports the syntax error with its line
    }
    return new Result(lines, tags);
  }

  private static void next(Frame f) {
    if (f != null && f.array) {
      f.index++;
    }
  }

  /** {@code prefix.key}, or {@code key} at the top level: the paths {@link Result#lines()} uses. */
  public static String join(String prefix, String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }
}
