package io.cpt4j.train.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.train.ContinualPretrainer;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tasks and task_limit keys: relative to the run file, written only when set, kept by copies. */
class RunConfigTasksTest {
  @TempDir Path tmp;

  private static final String RUN = """
      base: base
      output: out
      schedule: {type: warmup-decay, max_lr: 0.01, warmup_steps: 2, shape: cosine, min_lr: 0.001}
      mixture:
        sources:
          - {name: code, text: code, weight: 1.0}
      steps: 4
      """;

  @Test
  void taskFilesAreRelativeToTheRunFileAndRoundTripThroughRunJson() throws IOException {
    Path file = Files.writeString(tmp.resolve("run.yaml"), RUN + "tasks: [tasks/arc.yaml, b.jsonl]\ntask_limit: 50\n");
    RunConfig c = RunConfigCodec.readYaml(file);
    assertThat(c.tasks()).containsExactly(tmp.resolve("tasks/arc.yaml").toAbsolutePath().normalize(),
        tmp.resolve("b.jsonl").toAbsolutePath().normalize());
    assertThat(c.taskLimit()).isEqualTo(50);
    JsonNode tree = RunConfigCodec.toTree(c);
    assertThat(tree.get("tasks")).hasSize(2);
    assertThat(tree.get("task_limit").asInt()).isEqualTo(50);
    assertThat(RunConfigCodec.fromTree(tree, tmp)).isEqualTo(c);
    assertThat(c.newBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
    assertThat(c.toString()).contains("tasks=[", "taskLimit=50");
  }

  @Test
  void aRunWithoutTasksWritesNeitherKey() throws IOException {
    RunConfig c = RunConfigCodec.readYaml(Files.writeString(tmp.resolve("run.yaml"), RUN));
    assertThat(c.tasks()).isEmpty();
    assertThat(c.taskLimit()).isZero();
    JsonNode tree = RunConfigCodec.toTree(c);
    assertThat(tree.has("tasks")).isFalse();
    assertThat(tree.has("task_limit")).isFalse();
    assertThat(c).isNotEqualTo(c.newBuilder().tasks(List.of(Path.of("a.jsonl"))).build());
  }

  @Test
  void theFrontAddsTaskFilesInOrder() {
    RunConfig c = ContinualPretrainer.from(Path.of("base")).evaluateTasks(Path.of("a.yaml"), Path.of("b.jsonl"))
        .evaluateTasks(Path.of("c.jsonl")).taskLimit(3).config();
    assertThat(c.tasks()).containsExactly(Path.of("a.yaml"), Path.of("b.jsonl"), Path.of("c.jsonl"));
    assertThat(c.taskLimit()).isEqualTo(3);
  }

  @Test
  void tasksMustBeAListOfFiles() throws IOException {
    Path file = Files.writeString(tmp.resolve("run.yaml"), RUN + "tasks: [{name: x}]\n");
    assertThatThrownBy(() -> RunConfigCodec.readYaml(file)).isInstanceOf(TrainingException.class)
        .hasMessageContaining("tasks must be a list of task files");
  }
}
