package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.backend.Backends;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.eval.Scorer;
import io.cpt4j.eval.Task;
import io.cpt4j.eval.TaskOptions;
import io.cpt4j.eval.TaskResult;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evaluation tasks scored inside a run: metrics lines, the report, untouched training, bad files. */
class TrainingTasksTest {
  @TempDir Path tmp;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String TASK = """
      {"context": "int x1 =", "choices": [" 5;", " the people", " hello world"], "gold": 0}
      {"context": "the people of", "choices": [" our nation", " = 7;", " x3"], "gold": 0}
      {"context": "we will", "choices": [" int", " hello", " 42;"], "gold": 1}
      {"context": "hello", "choices": [" world", " = 3;"], "gold": 0}
      {"context": "int x2 = 9", "choices": [" and", ";"], "gold": 1}
      {"context": "our", "choices": [" nation", " x"], "gold": 0}
      """;

  private static List<JsonNode> metrics(Path run) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      lines.add(JSON.readTree(l));
    }
    return lines;
  }

  private Path runFileWithTasks(Path run, String tasksYaml) throws IOException {
    Path plain = TrainFixtures.runFile(tmp, run, 8, 4);
    return Files.writeString(plain, Files.readString(plain) + tasksYaml);
  }

  private static TaskResult scoreDirectly(Path model, Path taskFile, Path tokenizerJson) {
    Task task = Task.read(taskFile);
    try (Scorer scorer = Scorer.open(model, Backends.cpu(2), Scorer.Options.defaults());
        Tokenizer tokenizer = Tokenizer.open(tokenizerJson)) {
      return task.evaluate(scorer, tokenizer, TaskOptions.builder().limit(4).build());
    }
  }

  @Test
  void tasksAreScoredAtEveryEvaluationAndReportedFromStepZeroToTheEnd() throws IOException {
    TrainFixtures.write(tmp);
    Files.writeString(tmp.resolve("words.jsonl"), TASK);
    Path plain = tmp.resolve("plain");
    ContinualPretrainer.fromYaml(TrainFixtures.runFile(tmp, plain, 8, 4)).train();
    Path run = tmp.resolve("run");
    TrainingReport report = ContinualPretrainer.fromYaml(runFileWithTasks(run, "tasks: [words.jsonl]\ntask_limit: 4\n"))
        .train();

    List<JsonNode> lines = metrics(run);
    List<JsonNode> taskLines = lines.stream().filter(n -> n.has("tasks")).toList();
    assertThat(taskLines).extracting(n -> n.get("step").asLong()).containsExactly(0L, 4L, 8L);
    assertThat(taskLines.getFirst().get("tasks").get("words").has("acc")).isTrue();
    assertThat(taskLines.getFirst().get("tasks").get("words").has("acc_norm")).isTrue();
    // scoring tasks leaves training untouched: every other line, the final weights, as without tasks
    assertThat(lines.stream().filter(n -> !n.has("tasks")).map(JsonNode::toString).toList())
        .isEqualTo(metrics(plain).stream().map(JsonNode::toString).toList());
    try (Checkpoint a = Checkpoint.open(plain.resolve("final")); Checkpoint b = Checkpoint.open(run.resolve("final"))) {
      for (var t : a.tensors()) {
        assertThat(b.tensor(t.name()).toFloatArray()).containsExactly(a.tensor(t.name()).toFloatArray());
      }
    }

    TaskResult initial = scoreDirectly(tmp.resolve("base"), tmp.resolve("words.jsonl"), tmp.resolve("base/tokenizer.json"));
    TaskResult last = scoreDirectly(run.resolve("final"), tmp.resolve("words.jsonl"), tmp.resolve("base/tokenizer.json"));
    assertThat(initial.n()).isEqualTo(4);
    assertThat(report.tasks()).extracting(TaskChange::task).containsOnly("words");
    assertThat(report.tasks()).extracting(TaskChange::metric).containsExactlyElementsOf(initial.metrics().keySet());
    for (TaskChange c : report.tasks()) {
      assertThat(c.initial()).as(c.metric() + " at step 0").isEqualTo(initial.metric(c.metric()));
      assertThat(c.last()).as(c.metric() + " at the end").isEqualTo(last.metric(c.metric()));
      assertThat(c.change()).isEqualTo(c.last() - c.initial());
    }
    JsonNode acc = JSON.readTree(run.resolve("report.json").toFile()).get("tasks").get("words").get("acc");
    assertThat(acc.get("initial").asDouble()).isEqualTo(initial.metric("acc"));
    assertThat(acc.get("final").asDouble()).isEqualTo(last.metric("acc"));
    assertThat(JSON.readTree(run.resolve("run.json").toFile()).get("tasks").get(0).asText())
        .isEqualTo(tmp.resolve("words.jsonl").toAbsolutePath().normalize().toString());
    assertThat(JSON.readTree(plain.resolve("run.json").toFile()).has("tasks")).isFalse();
    assertThat(JSON.readTree(plain.resolve("report.json").toFile()).has("tasks")).isFalse();
    assertThat(report.describe()).contains("task", "step 0", "words", "acc_norm");
    assertThat(run.resolve("plots/tasks.png")).isRegularFile();
    assertThat(plain.resolve("plots/tasks.png")).doesNotExist();
    System.out.print(report.describe());
  }

  @Test
  void generationTasksRunWithTheLiveSessionAndLeaveTrainingUntouched() throws IOException {
    TrainFixtures.write(tmp);
    Files.writeString(tmp.resolve("qa.jsonl"), """
        {"question": "int x1 =", "answer": "5;"}
        {"question": "the people of", "answer": "our nation"}
        {"question": "hello", "answer": "world"}
        """);
    Files.writeString(tmp.resolve("echo.yaml"), """
        task: echo
        dataset_path: qa.jsonl
        test_split: train
        output_type: generate_until
        doc_to_text: "{{question}}"
        doc_to_target: answer
        generation_kwargs: {until: [";"], max_gen_toks: 6}
        """);
    Path plain = tmp.resolve("plain");
    ContinualPretrainer.fromYaml(TrainFixtures.runFile(tmp, plain, 8, 4)).train();
    Path run = tmp.resolve("run");
    TrainingReport report = ContinualPretrainer.fromYaml(runFileWithTasks(run, "tasks: [echo.yaml]\n")).train();
    List<JsonNode> lines = metrics(run);
    assertThat(lines.stream().filter(n -> n.has("tasks")).map(n -> n.get("tasks").get("echo").has("exact_match")))
        .containsExactly(true, true, true);
    assertThat(lines.stream().filter(n -> !n.has("tasks")).map(JsonNode::toString).toList())
        .isEqualTo(metrics(plain).stream().map(JsonNode::toString).toList());
    TaskResult last = scoreDirectly(run.resolve("final"), tmp.resolve("echo.yaml"), tmp.resolve("base/tokenizer.json"));
    assertThat(report.tasks()).singleElement().satisfies(c -> {
      assertThat(c.metric()).isEqualTo("exact_match");
      assertThat(c.last()).isEqualTo(last.metric("exact_match"));
    });
  }

  @Test
  void aBadTaskFileStopsTheRunBeforeAnyStepNamingTheFile() throws IOException {
    TrainFixtures.write(tmp);
    Path bad = Files.writeString(tmp.resolve("broken.jsonl"), "{\"context\": \"a\", \"choices\": [\" b\"], \"gold\": 3}\n");
    Path run = tmp.resolve("run");
    assertThatThrownBy(() -> ContinualPretrainer.fromYaml(TrainFixtures.runFile(tmp, run, 8, 4)).evaluateTasks(bad)
        .train())
        .isInstanceOf(TrainingException.class).hasMessageContaining("broken.jsonl");
    Path metrics = run.resolve("metrics.jsonl");
    assertThat(!Files.exists(metrics) || Files.readString(metrics).isEmpty()).isTrue();
  }
}
