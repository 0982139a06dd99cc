package io.cpt4j.report.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.report.internal.MetricsRecord.Evaluation;
import io.cpt4j.report.internal.MetricsRecord.TrainingStep;
import io.cpt4j.train.TrainingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one metrics.jsonl writer and reader: byte-identical lines, round trips, damaged files. */
class MetricsFileTest {
  @TempDir
  Path dir;

  private static final TrainingStep STEP =
      new TrainingStep(1, 64, 0.0, 5.684439420700073, 1.3280409745607855, false, 1.0);
  private static final String STEP_LINE = "{\"step\":1,\"tokens\":64,\"lr\":0.0,\"loss\":5.684439420700073,"
      + "\"grad_norm\":1.3280409745607855,\"skipped\":false}";

  private static final TrainingStep SKIPPED = new TrainingStep(3, 96, 2.0000000000000002E29, 5.58349609375, Double.NaN,
      true, 1.0);
  private static final String SKIPPED_LINE = "{\"step\":3,\"tokens\":96,\"lr\":2.0000000000000002E29,"
      + "\"loss\":5.58349609375,\"grad_norm\":\"NaN\",\"skipped\":true}";

  private static final TrainingStep SCALED = new TrainingStep(7, 448, 1e-4, Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY, true, 32768.0);
  private static final String SCALED_LINE = "{\"step\":7,\"tokens\":448,\"lr\":1.0E-4,\"loss\":\"Infinity\","
      + "\"grad_norm\":\"-Infinity\",\"skipped\":true,\"loss_scale\":32768.0}";

  private static final Evaluation EVAL =
      new Evaluation(0, 0, ordered("code", 5.724216971810408, "general", 5.6097490234375));
  private static final String EVAL_LINE =
      "{\"step\":0,\"tokens\":0,\"eval\":{\"code\":5.724216971810408,\"general\":5.6097490234375}}";

  private static final Evaluation DIVERGED =
      new Evaluation(12, 768, ordered("general", Double.NaN, "code", 4.47685782364973));
  private static final String DIVERGED_LINE =
      "{\"step\":12,\"tokens\":768,\"eval\":{\"general\":\"NaN\",\"code\":4.47685782364973}}";

  private static final List<MetricsRecord> RECORDS = List.of(EVAL, STEP, SKIPPED, SCALED, DIVERGED);
  private static final List<String> LINES = List.of(EVAL_LINE, STEP_LINE, SKIPPED_LINE, SCALED_LINE, DIVERGED_LINE);

  private static Map<String, Double> ordered(String a, double x, String b, double y) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put(a, x);
    m.put(b, y);
    return m;
  }

  /** The writer TrainingRun had before MetricsFile: an ObjectNode of a plain ObjectMapper. */
  private static String oldWriter(MetricsRecord r) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode line = json.createObjectNode().put("step", r.step()).put("tokens", r.tokens());
    if (r instanceof TrainingStep s) {
      line.put("lr", s.lr()).put("loss", s.loss()).put("grad_norm", s.gradNorm()).put("skipped", s.skipped());
      if (s.lossScale() != 1.0) {
        line.put("loss_scale", s.lossScale());
      }
    } else if (r instanceof Evaluation e) {
      ObjectNode eval = line.putObject("eval");
      e.losses().forEach(eval::put);
    }
    return json.writeValueAsString(line);
  }

  private Path file(String content) throws IOException {
    return Files.writeString(dir.resolve("metrics.jsonl"), content);
  }

  @Test
  void everyRecordKindEncodesToTheGoldenLineOfTheOldWriter() throws IOException {
    for (int i = 0; i < RECORDS.size(); i++) {
      assertThat(MetricsFile.encode(RECORDS.get(i))).isEqualTo(LINES.get(i)).isEqualTo(oldWriter(RECORDS.get(i)));
    }
  }

  @Test
  void appendedRecordsReadBackEqualAndTheFileIsTheGoldenLines() throws IOException {
    Path path = dir.resolve("metrics.jsonl");
    try (MetricsFile metrics = MetricsFile.at(path)) {
      RECORDS.forEach(metrics::append);
    }

    assertThat(Files.readString(path)).isEqualTo(String.join("\n", LINES) + "\n");
    assertThat(MetricsFile.read(path)).containsExactlyElementsOf(RECORDS);
    assertThat(((Evaluation) MetricsFile.read(path).getLast()).losses().keySet()).containsExactly("general", "code");
  }

  @Test
  void aLastLineCutShortIsSkipped() throws IOException {
    Path path = file(STEP_LINE + "\n" + SKIPPED_LINE.substring(0, 40));

    assertThat(MetricsFile.read(path)).containsExactly(STEP);
  }

  @Test
  void aLastLineCutInsideAUtf8CharacterIsSkipped() throws IOException {
    byte[] first = (STEP_LINE + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] full = "{\"step\":0,\"tokens\":0,\"eval\":{\"allgemein-ü\":3.0}}".getBytes(StandardCharsets.UTF_8);
    int cut = "{\"step\":0,\"tokens\":0,\"eval\":{\"allgemein-".getBytes(StandardCharsets.UTF_8).length + 1;
    byte[] content = new byte[first.length + cut];
    System.arraycopy(first, 0, content, 0, first.length);
    System.arraycopy(full, 0, content, first.length, cut);

    assertThat(MetricsFile.read(Files.write(dir.resolve("metrics.jsonl"), content))).containsExactly(STEP);
  }

  @Test
  void aMalformedLineBeforeTheLastIsATrainingExceptionWithItsLineNumber() throws IOException {
    Path cut = Files.writeString(dir.resolve("cut.jsonl"),
        STEP_LINE + "\n\n" + "{\"step\": 2, \"tok\n" + SKIPPED_LINE + "\n");
    Path notANumber = Files.writeString(dir.resolve("low.jsonl"),
        STEP_LINE + "\n{\"step\":2,\"tokens\":128,\"lr\":0.1,\"loss\":\"low\"}\n" + EVAL_LINE + "\n");

    assertThatThrownBy(() -> MetricsFile.read(cut))
        .isInstanceOf(TrainingException.class)
        .hasMessageStartingWith(cut + " line 3: not a JSON object");
    assertThatThrownBy(() -> MetricsFile.read(notANumber))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("line 2: \"loss\" must be a number, got \"low\"");
  }

  @Test
  void unknownFieldsAndLineKindsAreIgnored() throws IOException {
    Path path = file("""
        {"step":1,"tokens":64,"lr":0.1,"loss":2.0,"grad_norm":1.0,"skipped":false,"throughput":1234.5,"extra":{"a":[1]}}
        {"step":2,"checkpoint":"checkpoints/step-2"}
        {"note":"no step at all"}
        {"eval":{"code":3.0},"step":2,"tokens":128,"wall_seconds":9.5}
        """);

    assertThat(MetricsFile.read(path)).containsExactly(new TrainingStep(1, 64, 0.1, 2.0, 1.0, false, 1.0),
        new Evaluation(2, 128, Map.of("code", 3.0)));
  }

  @Test
  void missingOptionalFieldsTakeTheirDefaults() throws IOException {
    Path path = file("""
        {"step": 1, "tokens": 10, "loss": NaN}
        {"step": 2, "tokens": 20, "lr": null, "loss": 2.5, "grad_norm": "Infinity", "loss_scale": 8.0}
        """);

    assertThat(MetricsFile.read(path)).containsExactly(
        new TrainingStep(1, 10, Double.NaN, Double.NaN, Double.NaN, false, 1.0),
        new TrainingStep(2, 20, Double.NaN, 2.5, Double.POSITIVE_INFINITY, false, 8.0));
  }

  @Test
  void aMissingFileHasNoRecords() {
    assertThat(MetricsFile.read(dir.resolve("none.jsonl"))).isEmpty();
  }

  @Test
  void truncatingKeepsTheLinesUpToTheStepAsWrittenAndDropsACutLastLine() throws IOException {
    String checkpoint = "{\"step\": 1, \"checkpoint\": \"checkpoints/step-1\"}";
    Path path = file(String.join("\n", EVAL_LINE, STEP_LINE, checkpoint, "{\"note\":\"x\"}", SKIPPED_LINE, SCALED_LINE)
        + "\n" + DIVERGED_LINE.substring(0, 20));

    try (MetricsFile metrics = MetricsFile.at(path)) {
      metrics.truncateAfter(1);
      assertThat(Files.readString(path)).isEqualTo(EVAL_LINE + "\n" + STEP_LINE + "\n" + checkpoint + "\n");
      metrics.append(SKIPPED);
      assertThat(metrics.read()).containsExactly(EVAL, STEP, SKIPPED);

      metrics.truncateAfter(-1);
      assertThat(Files.readString(path)).isEmpty();
    }
  }

  @Test
  void truncatingAFileWithAMalformedMiddleLineFailsAndLeavesItAsItWas() throws IOException {
    String content = STEP_LINE + "\n{oops\n" + SKIPPED_LINE + "\n";
    Path path = file(content);

    assertThatThrownBy(() -> MetricsFile.at(path).truncateAfter(5))
        .isInstanceOf(TrainingException.class)
        .hasMessageStartingWith(path + " line 2: not a JSON object");
    assertThat(Files.readString(path)).isEqualTo(content);
  }

  @Test
  void aFreshRunEmptiesEvenADamagedFile() throws IOException {
    Path path = file(STEP_LINE + "\n{oops\n" + SKIPPED_LINE + "\n");

    MetricsFile.at(path).truncateAfter(-1);

    assertThat(Files.readString(path)).isEmpty();
  }

  @Test
  void recordsRejectNegativeStepsAndNullLosses() {
    assertThatThrownBy(() -> new TrainingStep(-1, 0, 0, 0, 0, false, 1.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("step must be ≥ 0, got -1");
    Map<String, Double> withNull = new LinkedHashMap<>();
    withNull.put("code", null);
    assertThatThrownBy(() -> new Evaluation(0, 0, withNull))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("code=null");
  }
}
