package io.cpt4j.report.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.report.internal.MetricsRecord.Evaluation;
import io.cpt4j.report.internal.MetricsRecord.TaskScores;
import io.cpt4j.report.internal.MetricsRecord.TrainingStep;
import io.cpt4j.train.TrainingException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's {@code metrics.jsonl}: the one writer and the one reader of {@link MetricsRecord} lines,
 * used by the trainer, resume, the report and the plots.
 *
 * <p>Writing: {@link #append} writes one compact JSON line per record in a single write that goes
 * to the OS before it returns, so a killed process leaves at most one partial last line. Field
 * order and number formatting are fixed (see {@link MetricsRecord}); files written by earlier
 * versions are byte-identical.
 *
 * <p>Reading ({@link #read(Path)}):
 *
 * <ul>
 *   <li>A line with {@code loss} is a {@link TrainingStep} ({@code step}, {@code tokens},
 *       {@code lr}, {@code loss}, {@code grad_norm}, optional {@code skipped} (default false) and
 *       {@code loss_scale} (default 1.0), optional {@code reg} terms); a line with an {@code eval} object is an {@link
 *       Evaluation}; a line with a {@code tasks} object of objects is a {@link TaskScores}. A line
 *       with several yields each. Lines of other kinds, unknown fields and blank
 *       lines are ignored, so files of later versions still read.
 *   <li>Numbers may be JSON numbers, {@code NaN}/{@code Infinity} literals, the strings written for
 *       them ({@code "NaN"}) or null (NaN); a missing {@code lr}, {@code loss} or {@code grad_norm}
 *       is NaN. {@code step} and {@code tokens} must be whole numbers ≥ 0.
 *   <li>The last non-blank line may be cut short (the process was killed while writing it): if it
 *       does not parse it is skipped with a warning. Any other line that does not parse is a {@link
 *       TrainingException} naming the file and line number: a damaged file is reported, never
 *       silently shortened. A file that cannot be read is a {@link TrainingException} too; a file
 *       that does not exist reads as no records.
 * </ul>
 *
 * <p>Not thread-safe: one instance appends to a file, from one thread. The static reader is
 * stateless.
 */
public final class MetricsFile implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsFile.class);
  /** Reads NaN/Infinity literals; writes them as strings, like a plain {@code ObjectMapper}. */
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();

  private final Path file;
  private OutputStream out;

  private MetricsFile(Path file) {
    this.file = file;
  }

  /** The metrics file at {@code file}; nothing is opened or created until the first append. */
  public static MetricsFile at(Path file) {
    return new MetricsFile(file);
  }

  /** The file's path. */
  public Path path() {
    return file;
  }

  /** Appends one line for {@code record}, creating the file if needed, and hands it to the OS. */
  public void append(MetricsRecord record) {
    byte[] line = (encode(record) + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      if (out == null) {
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      out.write(line);
      out.flush();
    } catch (IOException e) {
      throw new TrainingException("cannot append to " + file + ": " + e.getMessage(), e);
    }
  }

  /** This file's records, as {@link #read(Path)} reads them. */
  public List<MetricsRecord> read() {
    return read(file);
  }

  /**
   * Rewrites the file atomically keeping only the lines of steps up to {@code step}, as they were:
   * lines of kinds this version does not know survive if their step is kept; lines without a step
   * do not. A cut last line is dropped; any other bad line is a {@link TrainingException}, as for
   * {@link #read(Path)}, and the file is left as it was. A negative {@code step} (a fresh run)
   * empties the file, creating it if needed, without reading it. Closes the append stream first.
   */
  public void truncateAfter(long step) {
    StringBuilder kept = new StringBuilder();
    if (step >= 0) {
      for (Line line : lines(file)) {
        if (line.step() <= step) {
          kept.append(line.text()).append('\n');
        }
      }
    }
    try {
      close();
      AtomicFiles.write(file, kept.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new TrainingException("cannot rewrite " + file + ": " + e.getMessage(), e);
    }
  }

  /** Closes the append stream, if open; a later {@link #append} opens it again. */
  @Override
  public void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        throw new TrainingException("cannot close " + file + ": " + e.getMessage(), e);
      } finally {
        out = null;
      }
    }
  }

  /** The records of {@code file} in file order, read by the rules in the class comment. */
  public static List<MetricsRecord> read(Path file) {
    List<MetricsRecord> records = new ArrayList<>();
    for (Line line : lines(file)) {
      records.addAll(line.records());
    }
    return records;
  }

  /** {@code record} as one line of compact JSON, without the line break. */
  public static String encode(MetricsRecord record) {
    ObjectNode o = JSON.createObjectNode().put("step", record.step()).put("tokens", record.tokens());
    switch (record) {
      case TrainingStep s -> {
        o.put("lr", s.lr()).put("loss", s.loss()).put("grad_norm", s.gradNorm()).put("skipped", s.skipped());
        if (s.lossScale() != 1.0) {
          o.put("loss_scale", s.lossScale());
        }
        if (!s.terms().isEmpty()) {
          ObjectNode reg = o.putObject("reg");
          s.terms().forEach(reg::put);
        }
      }
      case Evaluation e -> {
        ObjectNode eval = o.putObject("eval");
        e.losses().forEach(eval::put);
      }
      case TaskScores t -> {
        ObjectNode tasks = o.putObject("tasks");
        t.tasks().forEach((name, metrics) -> {
          ObjectNode task = tasks.putObject(name);
          metrics.forEach(task::put);
        });
      }
    }
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a metrics line did not serialise: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * One parsed non-blank line: its text as read, the step used to truncate ({@code Long.MAX_VALUE}
   * without a whole-number step) and its records (none for an unknown kind).
   */
  private record Line(String text, long step, List<MetricsRecord> records) {}

  private static List<Line> lines(Path file) {
    List<Line> lines = new ArrayList<>();
    TrainingException pending = null; // a bad line, fatal unless it turns out to be the last one
    // InputStreamReader replaces malformed UTF-8 (a line cut inside a character) instead of throwing.
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
      String text;
      int number = 0;
      while ((text = in.readLine()) != null) {
        number++;
        if (text.isBlank()) {
          continue;
        }
        if (pending != null) {
          throw pending;
        }
        try {
          lines.add(decode(text, JSON.readTree(text)));
        } catch (JsonProcessingException | IllegalArgumentException e) {
          pending = new TrainingException(String.format("%s line %d: %s", file, number, describe(e)), e);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new TrainingException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (pending != null) {
      LOG.warn("ignoring the last line, cut short while being written: {}", pending.getMessage());
    }
    return lines;
  }

  private static String describe(Exception e) {
    if (e instanceof JsonProcessingException j) {
      return "not a JSON object (" + j.getOriginalMessage() + ")";
    }
    return e.getMessage();
  }

  private static Line decode(String text, JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    JsonNode stepNode = node.get("step");
    long truncationStep = stepNode != null && stepNode.canConvertToExactIntegral() ? stepNode.asLong() : Long.MAX_VALUE;
    boolean training = node.has("loss");
    JsonNode eval = node.get("eval");
    if (eval != null && !eval.isObject()) {
      throw new IllegalArgumentException("\"eval\" must be an object of set name to loss");
    }
    JsonNode tasks = node.get("tasks");
    if (tasks != null && !tasks.isObject()) {
      throw new IllegalArgumentException("\"tasks\" must be an object of task name to metrics");
    }
    if (!training && eval == null && tasks == null) {
      return new Line(text, truncationStep, List.of());
    }
    long step = whole(node, "step");
    long tokens = whole(node, "tokens");
    List<MetricsRecord> records = new ArrayList<>(3);
    if (training) {
      JsonNode skipped = node.get("skipped");
      JsonNode lossScale = node.get("loss_scale");
      Map<String, Double> terms = new LinkedHashMap<>();
      JsonNode reg = node.get("reg");
      if (reg != null && reg.isObject()) {
        for (Map.Entry<String, JsonNode> e : reg.properties()) {
          terms.put(e.getKey(), number(e.getValue(), "reg." + e.getKey()));
        }
      }
      records.add(new TrainingStep(step, tokens, number(node.get("lr"), "lr"), number(node.get("loss"), "loss"),
          number(node.get("grad_norm"), "grad_norm"), skipped != null && skipped.asBoolean(false),
          lossScale == null ? 1.0 : number(lossScale, "loss_scale"), terms));
    }
    if (eval != null) {
      Map<String, Double> losses = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : eval.properties()) {
        losses.put(e.getKey(), number(e.getValue(), "eval." + e.getKey()));
      }
      records.add(new Evaluation(step, tokens, losses));
    }
    if (tasks != null) {
      Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> t : tasks.properties()) {
        if (!t.getValue().isObject()) {
          throw new IllegalArgumentException("\"tasks." + t.getKey() + "\" must be an object of metric name to value");
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> m : t.getValue().properties()) {
          metrics.put(m.getKey(), number(m.getValue(), "tasks." + t.getKey() + "." + m.getKey()));
        }
        scores.put(t.getKey(), metrics);
      }
      records.add(new TaskScores(step, tokens, scores));
    }
    return new Line(text, truncationStep, List.copyOf(records));
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
