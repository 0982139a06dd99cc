package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.backend.Regularizer;
import io.cpt4j.backend.Trainable;
import io.cpt4j.checkpoint.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trainable:} and {@code regularize:} in a run: read from the run file, recorded in
 * run.json, frozen tensors unchanged in the final model, each term logged per step in
 * metrics.jsonl (KL only on replay rows), a resume from a checkpoint repeating the run bit for bit,
 * and bad settings refused before any work.
 */
class ForgettingControlRunTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  private Path runFile(Path output, long steps) throws IOException {
    String yaml = Files.readString(TrainFixtures.runFile(tmp, output, steps, 4)) + """
        trainable: ['model\\.layers\\.0\\.mlp\\..*', 'model\\.norm\\.weight']
        regularize:
          - {type: kl, weight: 0.5, temperature: 2, sources: [general]}
          - {type: l2, weight: 0.1}
        """;
    return Files.writeString(tmp.resolve("reg-" + output.getFileName() + ".yaml"), yaml);
  }

  @Test
  void aRegularizedPartlyFrozenRunLogsEachTermAndKeepsFrozenTensors() throws IOException {
    TrainFixtures.write(tmp);
    Path run = tmp.resolve("run");
    ContinualPretrainer.fromYaml(runFile(run, 12)).train();
    RunConfig config = ContinualPretrainer.fromYaml(run.resolve("run.json")).config();
    assertThat(config.trainable().patterns()).containsExactly("model\\.layers\\.0\\.mlp\\..*", "model\\.norm\\.weight");
    assertThat(config.regularizers()).containsExactly(Regularizer.kl(0.5).temperature(2).onSources("general"),
        Regularizer.l2(0.1));
    List<JsonNode> steps = metrics(run).stream().filter(n -> n.has("loss")).toList();
    assertThat(steps).hasSize(12).allMatch(n -> n.path("reg").has("kl") && n.path("reg").has("l2"));
    assertThat(steps.getFirst().path("reg").path("kl").asDouble()).isLessThan(1e-6); // the model is the base
    assertThat(steps.getFirst().path("reg").path("l2").asDouble()).isZero();
    assertThat(steps.getLast().path("reg").path("kl").asDouble()).isGreaterThan(1e-6);
    assertThat(steps.getLast().path("reg").path("l2").asDouble()).isGreaterThan(0);
    Trainable t = config.trainable();
    int frozen = 0;
    try (Checkpoint base = Checkpoint.open(tmp.resolve("base")); Checkpoint fin = Checkpoint.open(run.resolve("final"))) {
      for (var info : base.tensors()) {
        float[] before = base.tensor(info.name()).toFloatArray();
        float[] after = fin.tensor(info.name()).toFloatArray();
        if (t.test(info.name())) {
          assertThat(after).as(info.name()).isNotEqualTo(before);
        } else {
          assertThat(after).as(info.name()).isEqualTo(before);
          frozen++;
        }
      }
    }
    assertThat(frozen).isGreaterThan(5);
  }

  @Test
  void aResumedRegularizedRunRepeatsTheUninterruptedOne() throws IOException {
    TrainFixtures.write(tmp);
    Path whole = tmp.resolve("whole");
    ContinualPretrainer.fromYaml(runFile(whole, 12)).train();
    Path cut = tmp.resolve("cut");
    ContinualPretrainer.fromYaml(runFile(cut, 12)).train();
    // as if killed after the checkpoint of step 8: later checkpoints and the final model gone
    io.cpt4j.files.AtomicFiles.deleteTree(cut.resolve("final"));
    io.cpt4j.files.AtomicFiles.deleteTree(cut.resolve("checkpoints").resolve("step-12"));
    Files.delete(cut.resolve("report.json"));
    ContinualPretrainer.resume(cut);
    assertThat(metrics(cut).stream().filter(n -> n.has("loss")).map(JsonNode::toString).toList())
        .containsExactlyElementsOf(metrics(whole).stream().filter(n -> n.has("loss")).map(JsonNode::toString).toList());
    try (Checkpoint a = Checkpoint.open(whole.resolve("final")); Checkpoint b = Checkpoint.open(cut.resolve("final"))) {
      for (var info : a.tensors()) {
        assertThat(b.tensor(info.name()).toFloatArray()).as(info.name())
            .containsExactly(a.tensor(info.name()).toFloatArray());
      }
    }
  }

  @Test
  void badSettingsAreRefusedBeforeAnyWork() throws IOException {
    TrainFixtures.write(tmp);
    String plain = Files.readString(TrainFixtures.runFile(tmp, tmp.resolve("bad"), 4, 0));
    assertRefused(plain + "regularize: [{type: kl, weight: 1, sources: [web]}]\n",
        "invalid run configuration: regularize kl (weight 1.0, temperature 1.0, sources [web]) names source 'web', "
            + "which is not in the mixture (sources: code, general)");
    assertRefused(plain + "regularize: [{type: ewc, weight: 1}]\n", "regularize[0]: unknown regularizer type 'ewc'");
    assertRefused(plain + "regularize: [{type: kl, wieght: 1}]\n", "regularize[0]: unknown key 'wieght'");
    assertRefused(plain + "regularize: [{type: kl, weight: 1}, {type: kl, weight: 2}]\n",
        "has two kl regularizers");
    assertRefused(plain + "trainable: ['model\\.layers\\.3\\..*']\n",
        "invalid run configuration: trainable pattern 'model\\.layers\\.3\\..*' matches no parameter");
    assertThat(tmp.resolve("bad")).doesNotExist();
  }

  private void assertRefused(String yaml, String message) throws IOException {
    Path file = Files.writeString(tmp.resolve("bad.yaml"), yaml);
    assertThatThrownBy(() -> ContinualPretrainer.fromYaml(file).train()).isInstanceOf(TrainingException.class)
        .hasMessageContaining(message);
  }

  private static List<JsonNode> metrics(Path run) throws IOException {
    return Files.readAllLines(run.resolve("metrics.jsonl")).stream().map(l -> {
      try {
        return JSON.readTree(l);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).toList();
  }


}
