package io.cpt4j.report.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.report.internal.MetricsRecord.Evaluation;
import io.cpt4j.report.internal.MetricsRecord.TaskScores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task metrics line of metrics.jsonl: its bytes, its round trip, truncation and plots ignoring it. */
class TaskScoresLineTest {
  @TempDir Path dir;

  private static final String LINE =
      "{\"step\":4,\"tokens\":256,\"tasks\":{\"arc\":{\"acc\":0.5,\"acc_norm\":0.25},\"wiki\":{\"bits_per_byte\":\"NaN\"}}}";

  private static TaskScores scores() {
    Map<String, Double> arc = new LinkedHashMap<>();
    arc.put("acc", 0.5);
    arc.put("acc_norm", 0.25);
    Map<String, Map<String, Double>> tasks = new LinkedHashMap<>();
    tasks.put("arc", arc);
    tasks.put("wiki", Map.of("bits_per_byte", Double.NaN));
    return new TaskScores(4, 256, tasks);
  }

  @Test
  void taskScoresWriteOneLineInOrderAndReadBack() throws IOException {
    assertThat(MetricsFile.encode(scores())).isEqualTo(LINE);
    Path file = dir.resolve("metrics.jsonl");
    try (MetricsFile m = MetricsFile.at(file)) {
      m.append(new Evaluation(4, 256, Map.of("code", 1.5)));
      m.append(scores());
    }
    List<MetricsRecord> back = MetricsFile.read(file);
    assertThat(back).hasSize(2);
    assertThat(back.get(1)).isEqualTo(scores());
    assertThat(((TaskScores) back.get(1)).tasks().keySet()).containsExactly("arc", "wiki");
    assertThat(Files.readAllLines(file).get(0)).isEqualTo("{\"step\":4,\"tokens\":256,\"eval\":{\"code\":1.5}}");
  }

  @Test
  void truncationKeepsTaskLinesUpToTheStepAndPlotsIgnoreThem() throws IOException {
    Path file = dir.resolve("metrics.jsonl");
    Files.writeString(file, "{\"step\":0,\"tokens\":0,\"tasks\":{\"arc\":{\"acc\":0.25}}}\n" + LINE + "\n");
    MetricsFile.at(file).truncateAfter(3);
    assertThat(Files.readAllLines(file)).containsExactly("{\"step\":0,\"tokens\":0,\"tasks\":{\"arc\":{\"acc\":0.25}}}");
    MetricsLog log = MetricsLog.of(MetricsFile.read(file));
    assertThat(log.steps()).isEmpty();
    assertThat(log.evals()).isEmpty();
    assertThat(log.tasks()).containsOnlyKeys("arc acc");
  }

  @Test
  void accuraciesGetATasksPlotOtherTaskMetricsDoNot() throws IOException {
    Path file = dir.resolve("metrics.jsonl");
    try (MetricsFile m = MetricsFile.at(file)) {
      for (int step = 1; step <= 4; step++) {
        m.append(new MetricsRecord.TrainingStep(step, 64L * step, 1e-3, 5.0 - step * 0.1, 1.0, false, 1.0));
      }
    }
    Files.writeString(file, "{\"step\":0,\"tokens\":0,\"tasks\":{\"arc\":{\"acc\":0.25,\"acc_norm\":0.5},"
        + "\"wiki\":{\"bits_per_byte\":1.5}}}\n" + LINE + "\n", StandardOpenOption.APPEND);
    MetricsLog log = MetricsLog.of(MetricsFile.read(file));
    assertThat(log.tasks()).containsOnlyKeys("arc acc", "arc acc_norm");
    assertThat(log.tasks().get("arc acc")).extracting(MetricsLog.Eval::loss).containsExactly(0.25, 0.5);
    List<Path> written = RunPlots.write(file, dir.resolve("plots"));
    assertThat(written).extracting(p -> p.getFileName().toString()).contains("tasks.png", "tasks.svg");
    assertThat(Files.readString(dir.resolve("plots/tasks.svg"))).contains("arc acc_norm");
  }
}
