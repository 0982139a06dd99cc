package io.cpt4j.eval.internal.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import io.cpt4j.onnx.OnnxExport;
import io.cpt4j.onnx.OnnxFixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the scorers refuse, through the public API, on a checkpoint and on its ONNX export alike. */
class ScorerErrorsTest {
  @TempDir static Path tmp;

  private static final ModelConfig C = TestCheckpoints.tinyLlama(); // vocabulary 48, context 64

  @BeforeAll
  static void models() {
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(C, tmp.resolve("ckpt"), 1)) {
      OnnxExport.of(ckpt).writeTo(tmp.resolve("onnx"));
    }
  }

  @Test
  void anIdOutsideTheVocabularyIsRefusedNamingTheId() {
    for (String model : List.of("ckpt", "onnx")) {
      try (Scorer scorer = Scorer.open(tmp.resolve(model))) {
        List<LoglikelihoodRequest> requests = List.of(new LoglikelihoodRequest(new int[] {1, 2}, new int[] {3}),
            new LoglikelihoodRequest(new int[] {1, 2}, new int[] {3, 48}));
        assertThatThrownBy(() -> scorer.score(requests)).as(model).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("request 1: continuation token 1 has id 48, outside the model's vocabulary [0, 48)");
        assertThatThrownBy(() -> scorer.score(List.of(new LoglikelihoodRequest(new int[] {-1}, new int[] {3}))))
            .as(model).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has id -1");
      }
    }
  }

  @Test
  void aContinuationLongerThanTheContextIsRefused() {
    try (Scorer scorer = Scorer.open(tmp.resolve("ckpt"))) {
      assertThatThrownBy(() -> scorer.score(List.of(new LoglikelihoodRequest(new int[] {1}, new int[65]))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("continuation of 65 tokens is longer than the model's context of 64 tokens");
    }
  }

  @Test
  void aClosedScorerRefusesToScore() {
    Scorer scorer = Scorer.open(tmp.resolve("ckpt"));
    scorer.close();
    scorer.close(); // idempotent
    assertThatThrownBy(() -> scorer.score(List.of())).isInstanceOf(IllegalStateException.class)
        .hasMessage("the scorer is closed");
  }

  @Test
  void nullOptionsAreRefusedWithTheFix() {
    assertThatThrownBy(() -> Scorer.open(tmp.resolve("ckpt"), null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("Scorer.Options.defaults()");
  }

  @Test
  void aCheckpointDirectoryOpensOnTheCpuAndAnExportOnOnnxRuntime() {
    try (Scorer a = Scorer.open(tmp.resolve("ckpt")); Scorer b = Scorer.open(tmp.resolve("onnx"))) {
      assertThat(a).isInstanceOf(CheckpointScorer.class);
      assertThat(b).isInstanceOf(OnnxScorer.class);
    }
  }
}
