package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer end to end on a tiny model: run directory, metrics, checkpoints, resume, guards. */
class ContinualPretrainerTest {
  @TempDir Path tmp;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<JsonNode> metrics(Path run) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      lines.add(JSON.readTree(l));
    }
    return lines;
  }

  private static List<String> trainingLines(Path run) throws IOException {
    return metrics(run).stream().filter(n -> n.has("loss")).map(JsonNode::toString).toList();
  }

  @Test
  void aRunWritesItsDirectoryMetricsCheckpointsAndReport() throws IOException {
    TrainFixtures.write(tmp);
    Path run = tmp.resolve("run");
    TrainingReport report = ContinualPretrainer.fromYaml(TrainFixtures.runFile(tmp, run, 12, 4)).train();

    List<JsonNode> lines = metrics(run);
    List<JsonNode> training = lines.stream().filter(n -> n.has("loss")).toList();
    List<JsonNode> evals = lines.stream().filter(n -> n.has("eval")).toList();
    assertThat(training).hasSize(12);
    RunConfig config = ContinualPretrainer.fromYaml(TrainFixtures.runFile(tmp, run, 12, 4)).config();
    for (int i = 0; i < 12; i++) {
      JsonNode t = training.get(i);
      assertThat(t.get("step").asLong()).isEqualTo(i + 1);
      assertThat(t.get("tokens").asLong()).isEqualTo((i + 1) * 64L);
      assertThat(t.get("lr").asDouble()).isEqualTo(config.schedule().lr(i, 12));
      assertThat(t.get("loss").asDouble()).isFinite().isPositive();
    }
    assertThat(evals).extracting(n -> n.get("step").asLong()).containsExactly(0L, 4L, 8L, 12L);
    assertThat(evals.getFirst().get("eval").fieldNames()).toIterable().containsExactly("code", "general");
    assertThat(run.resolve("checkpoints")).isDirectoryContaining(p -> p.getFileName().toString().equals("step-8"))
        .isDirectoryContaining(p -> p.getFileName().toString().equals("step-12"));
    assertThat(Files.list(run.resolve("checkpoints")).map(p -> p.getFileName().toString()))
        .containsExactlyInAnyOrder("step-8", "step-12");
    try (Checkpoint last = Checkpoint.open(run.resolve("checkpoints/step-12"));
        Checkpoint fin = Checkpoint.open(run.resolve("final"))) {
      for (var t : fin.tensors()) {
        assertThat(fin.tensor(t.name()).toFloatArray()).containsExactly(last.tensor(t.name()).toFloatArray());
      }
      assertThat(fin.tokenizer()).isPresent();
    }
    assertThat(report.steps()).isEqualTo(12);
    assertThat(report.tokens()).isEqualTo(12 * 64);
    assertThat(report.evaluation().names()).containsExactly("code", "general");
    assertThat(report.evaluation().set("code").initialLoss()).isEqualTo(evals.getFirst().get("eval").get("code").asDouble());
    // a source's first row counts its sequenceLength + 1 tokens, later rows sequenceLength
    assertThat(report.tokensPerSource().values().stream().mapToLong(Long::longValue).sum()).isBetween(12 * 64L, 12 * 64L + 2);
    JsonNode runJson = JSON.readTree(run.resolve("run.json").toFile());
    assertThat(runJson.get("steps").asLong()).isEqualTo(12);
    assertThat(runJson.get("batch_tokens").asLong()).isEqualTo(64);
    assertThat(runJson.get("micro_batch_tokens").asLong()).isEqualTo(32);
    assertThat(JSON.readTree(run.resolve("report.json").toFile()).get("steps").asLong()).isEqualTo(12);
    System.out.print(report.describe());
  }

  @Test
  void aKilledRunResumesBitExactly() throws Exception {
    TrainFixtures.write(tmp);
    Path whole = tmp.resolve("whole");
    ContinualPretrainer.fromYaml(TrainFixtures.runFile(tmp, whole, 16, 3)).train();
    List<String> expected = trainingLines(whole);

    Path killed = tmp.resolve("killed");
    Path runFile = TrainFixtures.runFile(tmp, killed, 16, 3);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", "-cp",
        System.getProperty("java.class.path"), ChildRun.class.getName(), runFile.toString(), "150")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    Path metricsFile = killed.resolve("metrics.jsonl");
    while (System.nanoTime() < deadline && child.isAlive()) {
      if (Files.exists(metricsFile) && Files.readAllLines(metricsFile).stream().filter(l -> l.contains("\"loss\"")).count() >= 8) {
        break;
      }
      Thread.sleep(20);
    }
    assertThat(child.isAlive()).as("child still training (log: %s)", tmp.resolve("child.log")).isTrue();
    child.destroyForcibly(); // SIGKILL
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long linesAtKill = Files.readAllLines(metricsFile).stream().filter(l -> l.contains("\"loss\"")).count();
    assertThat(linesAtKill).isBetween(8L, 15L);
    assertThat(Files.exists(killed.resolve("final"))).isFalse();

    TrainingReport resumed = ContinualPretrainer.resume(killed);
    assertThat(resumed.steps()).isEqualTo(16);
    assertThat(trainingLines(killed)).containsExactlyElementsOf(expected);
    assertThat(metrics(killed).stream().filter(n -> n.has("eval")).map(JsonNode::toString).toList())
        .containsExactlyElementsOf(metrics(whole).stream().filter(n -> n.has("eval")).map(JsonNode::toString).toList());
    try (Checkpoint a = Checkpoint.open(whole.resolve("final")); Checkpoint b = Checkpoint.open(killed.resolve("final"))) {
      for (var t : a.tensors()) {
        assertThat(b.tensor(t.name()).toFloatArray()).as(t.name()).containsExactly(a.tensor(t.name()).toFloatArray());
      }
    }
  }

  @Test
  void nonFiniteStepsStopTheRunWithTheLastCheckpointIntact() throws IOException {
    TrainFixtures.write(tmp);
    Path run = tmp.resolve("nan");
    // lr 0 at step 0, then 1e29: the second update blows the weights up; later losses are not finite
    ContinualPretrainer p = ContinualPretrainer.from(tmp.resolve("base"))
        .rewarm(Rewarm.to(1e30).warmupSteps(10).linearTo(1e29))
        .data(Source.text(tmp.resolve("code")).named("code")).steps(20).sequenceLength(16).batchTokens(32)
        .checkpointEvery(1).keepLastCheckpoints(3).maxBadSteps(3).output(run).dataCache(tmp.resolve("cache"));
    assertThatThrownBy(p::train).isInstanceOf(TrainingException.class)
        .hasMessageContaining("3 consecutive steps had a non-finite loss or gradient")
        .hasMessageContaining("the last good checkpoint is");
    List<JsonNode> training = metrics(run).stream().filter(n -> n.has("loss")).toList();
    assertThat(training.getLast().get("skipped").asBoolean()).isTrue();
    Path latest = Files.list(run.resolve("checkpoints")).filter(d -> d.getFileName().toString().startsWith("step-"))
        .max(java.util.Comparator.comparingLong(d -> Long.parseLong(d.getFileName().toString().substring(5)))).orElseThrow();
    try (Checkpoint c = Checkpoint.open(latest)) {
      for (var t : c.tensors()) {
        for (float v : c.tensor(t.name()).toFloatArray()) {
          assertThat(Float.isNaN(v)).as(t.name()).isFalse();
        }
      }
    }
  }

  @Test
  void invalidConfigurationsFailBeforeAnyWorkNamingTheField() throws IOException {
    TrainFixtures.write(tmp);
    Path run = tmp.resolve("bad");
    ContinualPretrainer ok = ContinualPretrainer.from(tmp.resolve("base"))
        .rewarm(Rewarm.to(1e-3).warmupSteps(1).cosineTo(1e-4))
        .mix(Mixture.of(Source.text(tmp.resolve("code")), 1.0)).steps(4).sequenceLength(16).output(run);
    assertThatThrownBy(() -> ContinualPretrainer.from(tmp.resolve("base")).steps(3).output(run).train())
        .isInstanceOf(TrainingException.class).hasMessageContaining("mixture");
    assertThatThrownBy(() -> ok.tokens(100).train()).hasMessageContaining("tokens and steps are both set");
    ok.tokens(0);
    assertThatThrownBy(() -> ok.batchTokens(40).train()).hasMessageContaining("batchTokens");
    ok.batchTokens(0);
    assertThatThrownBy(() -> ok.sequenceLength(100).train()).hasMessageContaining("max_position_embeddings");
    ok.sequenceLength(16);
    assertThatThrownBy(() -> ok.backend("tpu").train()).hasMessageContaining("backend");
    assertThat(run).doesNotExist();
    ok.backend("cpu").train();
    assertThatThrownBy(ok::train).hasMessageContaining("already holds a run");
  }
}
