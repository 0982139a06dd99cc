package io.cpt4j.train;

import static io.cpt4j.train.BranchFixtures.assertSameWeights;
import static io.cpt4j.train.BranchFixtures.contents;
import static io.cpt4j.train.BranchFixtures.linesUpTo;
import static io.cpt4j.train.BranchFixtures.metrics;
import static io.cpt4j.train.BranchFixtures.trainingLines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decay branches end to end on the tiny model: a branch continues its main run exactly (same data,
 * optimizer state and weights), its learning rates follow the decay's closed form, and the main run
 * is left byte for byte as it was and still resumes.
 */
class DecayBranchTest {
  @TempDir Path tmp;

  private static final double LR = 0.01;

  @Test
  void aBranchThatDecaysToItsOwnLearningRateRepeatsTheMainRunBitForBit() throws IOException {
    TrainFixtures.write(tmp);
    Path whole = tmp.resolve("whole");
    BranchFixtures.main(tmp, whole, LrSchedule.constant(LR), 12).train();

    // the same main run, stopped after its checkpoint at step 8 (as if interrupted)
    Path main = tmp.resolve("main");
    assertThatThrownBy(() -> BranchFixtures.main(tmp, main, LrSchedule.constant(LR), 12)
        .listener(BranchFixtures.stopAfterCheckpoint(8)).train()).hasMessageContaining("stopped after the checkpoint");
    Map<String, String> before = contents(main);
    assertThat(before).containsKey("checkpoints/step-4/model.safetensors").containsKey("data/train/code/dataset.json");

    // a "decay" from the main run's learning rate to itself: every step at exactly LR, as the main run's
    Path branch = tmp.resolve("branch");
    TrainingReport report = ContinualPretrainer.branch(main, 4).decaySteps(8, DecayShape.COSINE).minLr(LR)
        .output(branch).train();

    // the branch's steps 5..12 are the uninterrupted main run's, line for line: same batches (data
    // position and sampler state), same optimizer state, same learning rates, same losses and norms
    assertThat(trainingLines(branch, 5, 12)).hasSize(8).containsExactlyElementsOf(trainingLines(whole, 5, 12));
    assertThat(metrics(branch).stream().filter(n -> n.has("eval")).map(JsonNode::toString).toList())
        .containsExactlyElementsOf(metrics(whole).stream().filter(n -> n.has("eval")).map(JsonNode::toString).toList());
    assertSameWeights(whole.resolve("final"), branch.resolve("final"));
    // its metrics start with the main run's lines up to the branch point, as written there
    assertThat(linesUpTo(branch, 4)).isNotEmpty().containsExactlyElementsOf(linesUpTo(main, 4));
    assertThat(report.steps()).isEqualTo(12);
    assertThat(report.tokens()).isEqualTo(12 * 64);
    assertThat(report.runDirectory()).isEqualTo(branch.toAbsolutePath());
    JsonNode runJson = BranchFixtures.JSON.readTree(branch.resolve("run.json").toFile());
    assertThat(runJson.get("branch_of").toString()).isEqualTo("{\"run\":\"" + main.toAbsolutePath()
        + "\",\"step\":4,\"planned_tokens\":768}");
    assertThat(runJson.get("schedule").toString()).isEqualTo("{\"type\":\"decay\",\"from_lr\":0.01,\"min_lr\":0.01,"
        + "\"shape\":\"cosine\",\"from_step\":4,\"decay_steps\":8}");
    assertThat(runJson.get("steps").asLong()).isEqualTo(12);
    assertThat(runJson.get("data_cache").asText()).isEqualTo(main.resolve("data").toAbsolutePath().toString());

    // the main run is byte for byte as it was, and resumes to the uninterrupted run
    assertThat(contents(main)).isEqualTo(before);
    TrainingReport resumed = ContinualPretrainer.resume(main);
    assertThat(resumed.steps()).isEqualTo(12);
    assertThat(trainingLines(main, 0, 12)).containsExactlyElementsOf(trainingLines(whole, 0, 12));
    assertSameWeights(whole.resolve("final"), main.resolve("final"));
  }

  @Test
  void theBranchDecaysByItsClosedFormFromTheMainRunsNextBatch() throws IOException {
    TrainFixtures.write(tmp);
    Path main = tmp.resolve("main");
    LrSchedule wsd = Rewarm.to(LR).warmupSteps(2).stableThenDecay(Span.steps(4), DecayShape.ONE_MINUS_SQRT, 1e-3);
    BranchFixtures.main(tmp, main, wsd, 12).train();
    Map<String, String> before = contents(main);

    // 300 tokens are ⌈300/64⌉ = 5 steps; the minimum is the WSD schedule's, 1e-3
    Path branch = tmp.resolve("branch");
    DecayBranch b = ContinualPretrainer.branch(main, 4).decay(300, DecayShape.COSINE).output(branch);
    assertThat(b.config().schedule()).isEqualTo(new DecaySchedule(LR, 4, 5, DecayShape.COSINE, 1e-3));
    assertThat(b.config().steps()).isEqualTo(9);
    TrainingReport report = b.train();
    assertThat(report.steps()).isEqualTo(9);

    List<JsonNode> steps = metrics(branch).stream().filter(n -> n.has("loss") && n.get("step").asLong() > 4).toList();
    assertThat(steps).extracting(n -> n.get("step").asLong()).containsExactly(5L, 6L, 7L, 8L, 9L);
    for (JsonNode line : steps) {
      long s = line.get("step").asLong() - 1; // the line of update s + 1 carries the learning rate of step s
      double p = (s - 4) / 4.0;
      double expected = 1e-3 + (LR - 1e-3) * (1 + Math.cos(Math.PI * p)) / 2;
      assertThat(Math.abs(line.get("lr").asDouble() - expected)).as("lr of step %d", s)
          .isLessThanOrEqualTo(1e-12 * expected);
    }
    assertThat(steps.getFirst().get("lr").asDouble()).isEqualTo(LR);
    assertThat(steps.getLast().get("lr").asDouble()).isEqualTo(1e-3);
    // the decay's first step runs at the main run's learning rate, on the batch the main run drew after
    // step 4, from the weights and moments of step 4: that update is the main run's, bit for bit, so the
    // next step's loss (measured before its update) is too; the paths part with the second decay step
    List<JsonNode> mainSteps = metrics(main).stream().filter(n -> n.has("loss") && n.get("step").asLong() > 4).toList();
    assertThat(steps.getFirst().toString()).isEqualTo(mainSteps.getFirst().toString());
    for (String field : new String[] {"tokens", "loss", "grad_norm"}) {
      assertThat(steps.get(1).get(field)).as(field).isEqualTo(mainSteps.get(1).get(field));
    }
    assertThat(steps.get(1).get("lr")).isNotEqualTo(mainSteps.get(1).get("lr"));
    assertThat(steps.get(2).get("loss")).isNotEqualTo(mainSteps.get(2).get("loss"));
    assertThat(contents(main)).isEqualTo(before);

    // a branch of the branch keeps the main run's data plan and decays from where the branch is
    Path twig = tmp.resolve("twig");
    ContinualPretrainer.branch(branch, 8).decaySteps(2, DecayShape.LINEAR).minLr(0).output(twig).train();
    JsonNode twigJson = BranchFixtures.JSON.readTree(twig.resolve("run.json").toFile());
    assertThat(twigJson.path("branch_of").path("planned_tokens").asLong()).isEqualTo(12 * 64);
    assertThat(trainingLines(twig, 0, 8)).containsExactlyElementsOf(trainingLines(branch, 0, 8));
    List<JsonNode> twigSteps = metrics(twig).stream().filter(n -> n.has("loss") && n.get("step").asLong() > 8).toList();
    assertThat(twigSteps).extracting(n -> n.get("lr").asDouble())
        .containsExactly(new DecaySchedule(LR, 4, 5, DecayShape.COSINE, 1e-3).lr(8, 9), 0.0);
  }

  @Test
  void aBranchStoppedBeforeItsFirstCheckpointResumesFromTheMainRun() {
    TrainFixtures.write(tmp);
    Path main = tmp.resolve("main");
    BranchFixtures.main(tmp, main, LrSchedule.constant(LR), 8).train();
    Path whole = tmp.resolve("whole");
    ContinualPretrainer.branch(main, 4).decaySteps(4, DecayShape.LINEAR).output(whole).train();

    Path stopped = tmp.resolve("stopped");
    assertThatThrownBy(() -> ContinualPretrainer.branch(main, 4).decaySteps(4, DecayShape.LINEAR).output(stopped)
        .listener(BranchFixtures.stopAfterStep(6)).train()).hasMessageContaining("stopped after step 6");
    assertThat(stopped.resolve("checkpoints")).doesNotExist();
    ContinualPretrainer.resume(stopped);
    assertThat(metrics(stopped).stream().map(JsonNode::toString).toList())
        .containsExactlyElementsOf(metrics(whole).stream().map(JsonNode::toString).toList());
    assertSameWeights(whole.resolve("final"), stopped.resolve("final"));
  }
}
