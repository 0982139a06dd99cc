package io.cpt4j.report.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.report.internal.MetricsLog.Eval;
import io.cpt4j.report.internal.MetricsLog.Step;
import io.cpt4j.train.TrainingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
  @TempDir
  Path dir;

  private MetricsLog read(String content) throws IOException {
    return MetricsLog.read(Files.writeString(dir.resolve("metrics.jsonl"), content));
  }

  @Test
  void readsTrainingAndEvaluationLinesInStepOrder() throws IOException {
    MetricsLog log = read("""
        {"step": 0, "tokens": 0, "eval": {"general": 3.4, "code": 4.1}}
        {"step": 1, "tokens": 2048, "lr": 0.0001, "loss": 3.9, "grad_norm": 0.8, "skipped": false}

        {"step": 2, "tokens": 4096, "lr": 0.0002, "loss": 3.7, "grad_norm": 0.7, "skipped": false}
        {"step": 2, "tokens": 4096, "eval": {"general": 3.5, "code": 3.9}}
        {"step": 2, "checkpoint": "checkpoints/step-2"}
        """);

    assertThat(log.steps()).containsExactly(new Step(1, 2048, 1e-4, 3.9, false), new Step(2, 4096, 2e-4, 3.7, false));
    assertThat(log.evals()).containsOnlyKeys("general", "code");
    assertThat(log.evals().keySet()).containsExactly("general", "code");
    assertThat(log.evals().get("code")).containsExactly(new Eval(0, 0, 4.1), new Eval(2, 4096, 3.9));
    assertThat(log.maxTokens()).isEqualTo(4096);
  }

  @Test
  void skippedAndNonFiniteStepsHaveNoLossButKeepTheirLearningRate() throws IOException {
    MetricsLog log = read("""
        {"step": 1, "tokens": 10, "lr": 1e-4, "loss": "NaN", "skipped": true}
        {"step": 2, "tokens": 20, "lr": 1e-4, "loss": NaN, "skipped": false}
        {"step": 3, "tokens": 30, "lr": 1e-4, "loss": Infinity}
        {"step": 4, "tokens": 40, "lr": 1e-4, "loss": null}
        {"step": 5, "tokens": 50, "lr": 1e-4, "loss": 2.5, "skipped": true}
        {"step": 6, "tokens": 60, "lr": "NaN", "loss": 2.4}
        {"step": 6, "tokens": 60, "eval": {"general": "NaN", "code": 3.0}}
        """);

    assertThat(log.steps()).hasSize(6);
    assertThat(log.steps()).filteredOn(Step::hasLoss).extracting(Step::step).containsExactly(6L);
    assertThat(log.steps()).filteredOn(s -> Double.isFinite(s.lr())).extracting(Step::step)
        .containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(log.evals().get("general")).isEmpty();
    assertThat(log.evals().get("code")).containsExactly(new Eval(6, 60, 3.0));
  }

  @Test
  void aLastLineCutShortIsIgnored() throws IOException {
    MetricsLog log = read("""
        {"step": 1, "tokens": 10, "lr": 1e-4, "loss": 3.0}
        {"step": 2, "tokens": 20, "lr": 1e-4, "lo""");

    assertThat(log.steps()).extracting(Step::step).containsExactly(1L);
  }

  @Test
  void aLastLineCutInsideAUtf8CharacterIsIgnored() throws IOException {
    byte[] full = "{\"step\": 0, \"tokens\": 0, \"eval\": {\"allgemein-ü\": 3.0}}".getBytes(
        java.nio.charset.StandardCharsets.UTF_8);
    byte[] first = "{\"step\": 1, \"tokens\": 10, \"lr\": 1e-4, \"loss\": 3.0}\n".getBytes(
        java.nio.charset.StandardCharsets.UTF_8);
    int cut = new String(full, java.nio.charset.StandardCharsets.UTF_8).indexOf('ü') + 1; // mid-character
    byte[] content = new byte[first.length + cut];
    System.arraycopy(first, 0, content, 0, first.length);
    System.arraycopy(full, 0, content, first.length, cut);

    MetricsLog log = MetricsLog.read(Files.write(dir.resolve("metrics.jsonl"), content));

    assertThat(log.steps()).hasSize(1);
    assertThat(log.evals()).isEmpty();
  }

  @Test
  void aResumedRunsRepeatedStepsReplaceTheEarlierOnes() throws IOException {
    MetricsLog log = read("""
        {"step": 1, "tokens": 10, "lr": 1e-4, "loss": 3.0}
        {"step": 2, "tokens": 20, "lr": 1e-4, "loss": 2.9}
        {"step": 2, "tokens": 20, "eval": {"general": 3.3}}
        {"step": 3, "tokens": 30, "lr": 1e-4, "loss": 2.8}
        {"step": 2, "tokens": 20, "lr": 1e-4, "loss": 2.95}
        {"step": 2, "tokens": 20, "eval": {"general": 3.35}}
        """);

    assertThat(log.steps()).extracting(Step::step).containsExactly(1L, 2L, 3L);
    assertThat(log.steps().get(1).loss()).isEqualTo(2.95);
    assertThat(log.evals().get("general")).containsExactly(new Eval(2, 20, 3.35));
  }

  @Test
  void aLineWithoutStepOrTokensIsRejectedWithItsLineNumber() {
    assertThatThrownBy(() -> read("""
        {"step": 1, "tokens": 10, "lr": 1e-4, "loss": 3.0}
        {"tokens": 20, "lr": 1e-4, "loss": 2.9}
        {"step": 3, "tokens": 30, "lr": 1e-4, "loss": 2.8}
        """))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("metrics.jsonl line 2: \"step\" must be a whole number ≥ 0, got null");
    assertThatThrownBy(() -> read("""
        {"step": 1, "tokens": 10, "lr": 1e-4, "loss": "low"}
        {"step": 2, "tokens": -1, "eval": {"general": 3.3}}
        """))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("line 1: \"loss\" must be a number, got \"low\"");
  }

  @Test
  void anEmptyFileHasNoPoints() throws IOException {
    MetricsLog log = read("");

    assertThat(log.steps()).isEmpty();
    assertThat(log.evals()).isEmpty();
    assertThat(log.maxTokens()).isZero();
  }
}
