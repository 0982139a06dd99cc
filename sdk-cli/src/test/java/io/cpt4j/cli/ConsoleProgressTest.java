package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.train.TrainingListener.StepEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String output() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private List<String> lines() {
    return output().lines().toList();
  }

  private static StepEvent step(long step, double loss) {
    return new StepEvent(step, 100, step * 2048, 3e-4, loss, 0.8, false, 12_345);
  }

  private static Map<String, Double> losses(double general, double code) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("general", general);
    m.put("code", code);
    return m;
  }

  @Test
  void logLinesShowStepLossLrAndTokensPerSecondWithoutCursorControl() {
    ConsoleProgress progress = new ConsoleProgress(out, false, Duration.ofHours(1));

    progress.onStart(null, 0, 100);
    for (int s = 1; s <= 100; s++) {
      progress.onStep(step(s, 3.0));
    }
    progress.onFinish(null);

    assertThat(output()).doesNotContain("\r", "\u001b");
    assertThat(lines()).last().asString()
        .startsWith("step 100%")
        .contains("100/100", "loss 3.000, lr 3.00e-04, 12.3k tok/s");
    assertThat(lines()).doesNotHaveDuplicates();
  }

  @Test
  void evaluationLinesShowEachSetsChangeFromStepZero() {
    ConsoleProgress progress = new ConsoleProgress(out, false, Duration.ofHours(1));

    progress.onStart(null, 0, 100);
    progress.onEvaluation(0, 0, losses(3.391, 3.401));
    progress.onStep(step(1, 3.5));
    progress.onEvaluation(40, 81_920, losses(3.412, 2.871));
    progress.onFinish(null);

    assertThat(lines()).contains("step 0: general 3.391, code 3.401",
        "step 40: general 3.412 (+0.021), code 2.871 (-0.530)");
  }

  @Test
  void withoutOnStartTheBarStartsAtTheFirstStep() {
    ConsoleProgress progress = new ConsoleProgress(out, false, Duration.ofHours(1));

    progress.onEvaluation(20, 40_960, losses(3.0, Double.NaN)); // before any bar, after a resume
    progress.onStep(new StepEvent(21, 50, 21 * 2048, 1e-5, Double.NaN, Double.NaN, true, 900));
    progress.onStep(new StepEvent(22, 50, 22 * 2048, 1e-5, 2.75, 0.5, false, 1000));
    progress.close();
    progress.close();
    progress.onFinish(null);

    assertThat(lines()).first().isEqualTo("step 20: general 3.000, code NaN");
    assertThat(lines()).last().asString()
        .contains("22/50", "loss 2.750", "lr 1.00e-05", "1 skipped")
        .containsPattern("\\d+ tok/s");
  }

  @Test
  void printsTheBarAsALineEveryLogInterval() throws InterruptedException {
    ConsoleProgress progress = new ConsoleProgress(out, false, Duration.ofMillis(10));

    progress.onStart(null, 0, 5);
    for (int s = 1; s <= 5; s++) {
      progress.onStep(new StepEvent(s, 5, s * 2048L, 3e-4, 3.0, 0.8, false, 12_345));
      Thread.sleep(80);
    }
    progress.onFinish(null);

    assertThat(lines()).filteredOn(line -> line.startsWith("step ") && line.contains("/5 "))
        .hasSizeGreaterThanOrEqualTo(4);
  }

  @Test
  void onATerminalTheBarIsRedrawnInPlaceAndEvaluationsPrintAboveIt() {
    ConsoleProgress progress = new ConsoleProgress(out, true);

    progress.onStart(null, 10, 20);
    progress.onStep(step(11, 3.0));
    progress.onEvaluation(11, 11 * 2048, losses(3.2, 2.9));
    progress.onCheckpoint(11, java.nio.file.Path.of("runs/x/checkpoints/step-11"));
    progress.onFinish(null);

    assertThat(output()).contains("\r", "\r\u001b[2Kstep 11: general 3.200, code 2.900\n",
        "step 11: checkpoint runs/x/checkpoints/step-11\n").endsWith("\n");
  }

  @Test
  void ratesAreShortAndEvaluationLinesWithoutStepZeroHaveNoChanges() {
    assertThat(ConsoleProgress.rate(950.4)).isEqualTo("950");
    assertThat(ConsoleProgress.rate(12_345)).isEqualTo("12.3k");
    assertThat(ConsoleProgress.rate(4_561_000)).isEqualTo("4.56M");
    assertThat(ConsoleProgress.rate(Double.NaN)).isEqualTo("-");
    assertThat(ConsoleProgress.evaluationLine(7, losses(1.0, 2.0), null)).isEqualTo("step 7: general 1.000, code 2.000");
    assertThat(ConsoleProgress.evaluationLine(7, losses(1.0, 2.0), Map.of("code", 2.5)))
        .isEqualTo("step 7: general 1.000, code 2.000 (-0.500)");
  }
}
