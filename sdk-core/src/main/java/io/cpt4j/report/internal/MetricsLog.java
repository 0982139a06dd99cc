package io.cpt4j.report.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cpt4j.train.TrainingException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The points of a run's {@code metrics.jsonl}, as the plots need them. Immutable.
 *
 * <p>Reading rules:
 *
 * <ul>
 *   <li>A line with {@code loss} is a training line ({@code step}, {@code tokens}, {@code lr},
 *       {@code loss}, optional {@code skipped}); a line with an {@code eval} object is an evaluation
 *       line ({@code step}, {@code tokens}, {@code eval} = {name: loss}). Other lines and fields are
 *       ignored, as are blank lines.
 *   <li>Numbers may be JSON numbers, {@code NaN}/{@code Infinity} literals, the strings Jackson writes
 *       for them ({@code "NaN"}) or null. A skipped step or a non-finite loss is no loss point; a
 *       non-finite lr is no lr point; a non-finite validation loss is no point of that set.
 *   <li>Points are ordered by step; when a step occurs twice (a run resumed from an earlier
 *       checkpoint logs its steps again) the later line wins.
 *   <li>The last non-blank line may be cut short (the process was killed while writing it): if it
 *       does not parse it is ignored. Any other line that does not parse, or a training or evaluation
 *       line without {@code step} or {@code tokens}, is a {@link TrainingException} naming the file
 *       and line number, as is a file that cannot be read.
 * </ul>
 *
 * @param steps training lines in step order, each step once
 * @param evals per validation set (in order of first appearance), its points in step order
 */
record MetricsLog(List<Step> steps, Map<String, List<Eval>> evals) {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsLog.class);
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();

  MetricsLog {
    steps = List.copyOf(steps);
    Map<String, List<Eval>> copy = new LinkedHashMap<>();
    evals.forEach((name, points) -> copy.put(name, List.copyOf(points)));
    evals = Collections.unmodifiableMap(copy);
  }

  /** One training line. {@code loss} and {@code lr} are NaN where the line had no finite value. */
  record Step(long step, long tokens, double lr, double loss, boolean skipped) {
    /** Whether this step has a loss to plot: not skipped and finite. */
    boolean hasLoss() {
      return !skipped && Double.isFinite(loss);
    }
  }

  /** One validation loss of one set. */
  record Eval(long step, long tokens, double loss) {}

  /** The largest token count of any line (0 when there are none). */
  long maxTokens() {
    long max = steps.isEmpty() ? 0 : steps.getLast().tokens();
    for (List<Eval> points : evals.values()) {
      for (Eval e : points) {
        max = Math.max(max, e.tokens());
      }
    }
    return max;
  }

  static MetricsLog read(Path file) {
    TreeMap<Long, Step> steps = new TreeMap<>();
    Map<String, TreeMap<Long, Eval>> evals = new LinkedHashMap<>();
    TrainingException pending = null; // a bad line, fatal unless it turns out to be the last one
    // InputStreamReader replaces malformed UTF-8 (a line cut inside a character) instead of throwing.
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
      String line;
      int number = 0;
      while ((line = in.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        if (pending != null) {
          throw pending;
        }
        try {
          parseLine(JSON.readTree(line), steps, evals);
        } catch (JsonProcessingException | IllegalArgumentException e) {
          pending = new TrainingException(String.format("%s line %d: %s", file, number, describe(e)), e);
        }
      }
    } catch (NoSuchFileException e) {
      throw new TrainingException("no metrics to plot: " + file + " does not exist", e);
    } catch (IOException e) {
      throw new TrainingException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (pending != null) {
      LOG.debug("ignoring the last line, cut short while being written: {}", pending.getMessage());
    }
    Map<String, List<Eval>> lists = new LinkedHashMap<>();
    evals.forEach((name, points) -> lists.put(name, new ArrayList<>(points.values())));
    return new MetricsLog(new ArrayList<>(steps.values()), lists);
  }

  private static String describe(Exception e) {
    if (e instanceof JsonProcessingException j) {
      return "not a JSON object (" + j.getOriginalMessage() + ")";
    }
    return e.getMessage();
  }

  private static void parseLine(JsonNode node, TreeMap<Long, Step> steps, Map<String, TreeMap<Long, Eval>> evals) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    boolean training = node.has("loss");
    JsonNode eval = node.get("eval");
    if (eval != null && !eval.isObject()) {
      throw new IllegalArgumentException("\"eval\" must be an object of set name to loss");
    }
    if (!training && eval == null) {
      return;
    }
    long step = whole(node, "step");
    long tokens = whole(node, "tokens");
    if (training) {
      JsonNode skipped = node.get("skipped");
      steps.put(step, new Step(step, tokens, number(node.get("lr"), "lr"), number(node.get("loss"), "loss"),
          skipped != null && skipped.asBoolean(false)));
    }
    if (eval != null) {
      for (Map.Entry<String, JsonNode> e : eval.properties()) {
        double loss = number(e.getValue(), "eval." + e.getKey());
        TreeMap<Long, Eval> points = evals.computeIfAbsent(e.getKey(), k -> new TreeMap<>());
        if (Double.isFinite(loss)) {
          points.put(step, new Eval(step, tokens, loss));
        } else {
          points.remove(step); // a resumed run's non-finite value replaces an earlier finite one
        }
      }
    }
  }

  private static long whole(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.canConvertToExactIntegral() || v.asLong() < 0) {
      throw new IllegalArgumentException("\"" + field + "\" must be a whole number ≥ 0, got " + v);
    }
    return v.asLong();
  }

  private static double number(JsonNode v, String field) {
    if (v == null || v.isNull()) {
      return Double.NaN;
    }
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isTextual()) {
      switch (v.asText()) {
        case "NaN", "Infinity", "-Infinity", "+Infinity" -> {
          return Double.parseDouble(v.asText());
        }
        default -> { }
      }
    }
    throw new IllegalArgumentException("\"" + field + "\" must be a number, got " + v);
  }
}
