package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.eval.EvalPoint;
import io.cpt4j.eval.ValidationCurve;
import io.cpt4j.plan.CurvePrediction;
import io.cpt4j.plan.LrAreas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Final-loss predictions inside a run: made at every evaluation before the last once enough exist,
 * in report.json, the report and plots/prediction.png, equal to fitting the curve directly, the same
 * after a resume, and training bit for bit the same without them.
 */
class TrainingPredictionsTest {
  @TempDir Path tmp;
  private static final ObjectMapper JSON = new ObjectMapper();
  static final long STEPS = 24;

  /** The standard tiny run, 24 steps evaluated every 2 (warmup 2 steps), with {@code extra} YAML appended. */
  private Path runFile(Path run, long checkpointEvery, String extra) throws IOException {
    Path file = TrainFixtures.runFile(tmp, run, STEPS, checkpointEvery);
    return Files.writeString(file, Files.readString(file).replace("evaluate_every: 4", "evaluate_every: 2") + extra);
  }

  @Test
  void everyEvaluationBeforeTheLastPredictsTheFinalLossAndTrainingIsUnchanged() throws IOException {
    TrainFixtures.write(tmp);
    Path off = tmp.resolve("off");
    TrainingReport plain = ContinualPretrainer.fromYaml(runFile(off, 0, "predict_final_loss: false\n")).train();
    Path on = tmp.resolve("on");
    RunConfig[] resolved = new RunConfig[1];
    TrainingReport report = ContinualPretrainer.fromYaml(runFile(on, 0, "")).listener(new TrainingListener() {
      @Override
      public void onStart(RunConfig config, long step, long totalSteps) {
        resolved[0] = config;
      }
    }).train();

    // training untouched: every metrics line and every final weight as without predictions
    assertThat(Files.readAllLines(on.resolve("metrics.jsonl"))).isEqualTo(Files.readAllLines(off.resolve("metrics.jsonl")));
    try (Checkpoint a = Checkpoint.open(off.resolve("final")); Checkpoint b = Checkpoint.open(on.resolve("final"))) {
      for (var t : a.tensors()) {
        assertThat(b.tensor(t.name()).toFloatArray()).containsExactly(a.tensor(t.name()).toFloatArray());
      }
    }

    assertThat(plain.predictions()).isEmpty();
    assertThat(report.predictions()).containsOnlyKeys("code", "general");
    for (String set : List.of("code", "general")) {
      List<CurvePrediction> list = report.predictions().get(set);
      // 5 evaluations after the 2-step warmup (4 .. 12) make the first prediction; the last is from step 22
      assertThat(list).extracting(CurvePrediction::step).containsExactly(12L, 14L, 16L, 18L, 20L, 22L);
      ValidationCurve curve = ValidationCurve.start(set, report.evaluation().set(set).initialLoss());
      for (JsonNode line : metricsLines(on)) {
        if (line.has("eval") && line.get("step").asLong() > 0 && line.get("step").asLong() <= 22) {
          curve = curve.plus(new EvalPoint(line.get("step").asLong(), line.get("tokens").asLong(),
              line.get("eval").get(set).asDouble()));
        }
      }
      LrSchedule schedule = resolved[0].schedule();
      assertThat(list.getLast()).isEqualTo(CurvePrediction.fit(curve, LrAreas.of(k -> schedule.lr(k, STEPS), STEPS)));
      assertThat(list).allSatisfy(p -> assertThat(p.targetStep()).isEqualTo(STEPS));

      JsonNode json = JSON.readTree(on.resolve("report.json").toFile()).get("evaluation").get(set);
      JsonNode last = json.get("prediction");
      assertThat(last.get("loss").asDouble()).isEqualTo(list.getLast().loss());
      assertThat(last.get("lower").asDouble()).isEqualTo(list.getLast().lower());
      assertThat(last.get("upper").asDouble()).isEqualTo(list.getLast().upper());
      assertThat(last.get("step").asLong()).isEqualTo(22);
      assertThat(last.get("target_step").asLong()).isEqualTo(STEPS);
      assertThat(last.get("actual").asDouble()).isEqualTo(report.evaluation().set(set).finalLoss());
      assertThat(last.get("law").get("alpha").asDouble()).isEqualTo(list.getLast().law().alpha());
      assertThat(json.get("predictions")).hasSize(6);
      assertThat(json.get("predictions").get(0).get("step").asLong()).isEqualTo(12);
      assertThat(JSON.readTree(off.resolve("report.json").toFile()).get("evaluation").get(set).has("prediction"))
          .isFalse();
    }
    assertThat(report.describe()).contains("final loss predicted by the LR-annealing law", "22 of 24");
    assertThat(plain.describe()).doesNotContain("predicted");
    assertThat(on.resolve("plots/prediction.png")).isRegularFile();
    assertThat(on.resolve("plots/prediction.svg")).isRegularFile();
    assertThat(off.resolve("plots/prediction.png")).doesNotExist();
    assertThat(JSON.readTree(off.resolve("run.json").toFile()).get("predict_final_loss").asBoolean(true)).isFalse();
    assertThat(JSON.readTree(on.resolve("run.json").toFile()).has("predict_final_loss")).isFalse();
    System.out.print(report.describe());
  }

  @Test
  void aResumedRunHasThePredictionsOfTheUninterruptedOne() throws IOException {
    TrainFixtures.write(tmp);
    Path whole = tmp.resolve("whole");
    TrainingReport uninterrupted = ContinualPretrainer.fromYaml(runFile(whole, 16, "")).train();
    Path cut = tmp.resolve("cut");
    assertThatThrownBy(() -> ContinualPretrainer.fromYaml(runFile(cut, 16, "")).listener(new TrainingListener() {
      @Override
      public void onStep(StepEvent event) {
        if (event.step() == 17) {
          throw new IllegalStateException("stopped after the checkpoint at step 16");
        }
      }
    }).train()).hasMessageContaining("stopped");
    TrainingReport resumed = ContinualPretrainer.resume(cut);
    assertThat(resumed.predictions()).isEqualTo(uninterrupted.predictions());
    assertThat(resumed.predictions().get("code")).hasSize(6);
  }

  private static List<JsonNode> metricsLines(Path run) throws IOException {
    List<JsonNode> out = new java.util.ArrayList<>();
    for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      out.add(JSON.readTree(l));
    }
    return out;
  }
}
