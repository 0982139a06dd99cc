package io.cpt4j.eval.internal.tasks;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cpt4j.eval.TaskException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a split's documents from local files as Hugging Face's {@code json} builder does: JSON
 * Lines (one object a line, blank lines skipped), or a {@code .json} file holding one array of
 * objects. Fields some documents lack are set to null in them, as in a dataset's common schema.
 * Other formats are refused: Parquet and Arrow need readers cpt4j does not ship. Stateless.
 */
final class DocReader {
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
  private static final ObjectReader ELEMENTS = JSON.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private DocReader() {}

  /** The documents of {@code files}, in order; {@code what} names the split in messages. */
  static List<TaskDoc> read(List<Path> files, String what) {
    List<TaskDoc> docs = new ArrayList<>();
    for (Path f : files) {
      checkFormat(f, what);
      docs.addAll(isArrayFile(f) ? readArray(f) : readLines(f));
    }
    Set<String> schema = new LinkedHashSet<>();
    docs.forEach(d -> schema.addAll(d.fields().keySet()));
    for (TaskDoc d : docs) {
      schema.forEach(k -> d.fields().putIfAbsent(k, null));
    }
    return docs;
  }

  /** Refuses files that are not JSON or JSON Lines, with what to do instead. */
  static void checkFormat(Path f, String what) {
    String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
      return;
    }
    String kind = name.endsWith(".parquet") ? "Parquet (no Parquet reader is on cpt4j's class path)"
        : name.endsWith(".arrow") ? "Arrow" : name.endsWith(".csv") ? "CSV" : "not JSON Lines";
    throw new TaskException(f + ": " + what + ": " + kind + " data is not supported; convert the split to JSON Lines, "
        + "e.g. datasets.load_dataset(...)[split].to_json(\"" + stem(f) + ".jsonl\")");
  }

  private static String stem(Path f) {
    String n = f.getFileName().toString();
    int dot = n.indexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  private static boolean isArrayFile(Path f) {
    try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      int c;
      while ((c = r.read()) >= 0 && Character.isWhitespace(c)) {
        // skip leading blanks
      }
      return c == '[';
    } catch (NoSuchFileException e) {
      throw new TaskException(f + ": no such data file");
    } catch (IOException e) {
      throw new TaskException(f + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static List<TaskDoc> readLines(Path f) {
    List<TaskDoc> docs = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      int lineNo = 0;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          throw new TaskException(f + ":" + lineNo + ": malformed JSON: " + problem(e));
        }
        docs.add(doc(node, f, lineNo));
      }
    } catch (NoSuchFileException e) {
      throw new TaskException(f + ": no such data file");
    } catch (IOException e) {
      throw new TaskException(f + ": cannot read: " + e.getMessage(), e);
    }
    return docs;
  }

  private static List<TaskDoc> readArray(Path f) {
    List<TaskDoc> docs = new ArrayList<>();
    try (JsonParser p = JSON.createParser(f.toFile())) {
      p.nextToken(); // [
      for (JsonToken t = p.nextToken(); t != null && t != JsonToken.END_ARRAY; t = p.nextToken()) {
        int line = p.currentTokenLocation().getLineNr();
        docs.add(doc(ELEMENTS.readTree(p), f, line));
      }
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw new TaskException(f + ":" + line + ": malformed JSON: " + problem(e));
    } catch (IOException e) {
      throw new TaskException(f + ": cannot read: " + e.getMessage(), e);
    }
    return docs;
  }

  /** Jackson's message without its source-location suffixes. */
  private static String problem(JsonProcessingException e) {
    return e.getOriginalMessage().replaceAll("\\s*\\(start marker at \\[Source:[^]]*]\\)", "")
        .replaceAll("\\s*at \\[Source:[^]]*]", "").strip();
  }

  private static TaskDoc doc(JsonNode node, Path f, int line) {
    if (node == null || !node.isObject()) {
      throw new TaskException(f + ":" + line + ": a document must be a JSON object, got "
          + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(Locale.ROOT)));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> fields = (Map<String, Object>) plain(node);
    return new TaskDoc(fields, f, line);
  }

  /** A JSON value as LinkedHashMap, ArrayList, String, Long, Double, Boolean or null. */
  static Object plain(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return null;
    }
    if (n.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        m.put(e.getKey(), plain(e.getValue()));
      }
      return m;
    }
    if (n.isArray()) {
      List<Object> l = new ArrayList<>(n.size());
      n.forEach(v -> l.add(plain(v)));
      return l;
    }
    if (n.isIntegralNumber()) {
      return n.canConvertToLong() ? (Object) n.longValue() : n.doubleValue();
    }
    if (n.isNumber()) {
      return n.doubleValue();
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    return n.asText();
  }
}
