package io.cpt4j.eval.internal.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import io.cpt4j.onnx.OnnxFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Batching changes speed, not answers: the same requests scored packed (several a row, shared
 * contexts once, with large and with tiny passes), one right-padded row each, and one request at a
 * time agree within 1e-5, greedy flags included, for a mix of short requests, requests at and
 * beyond the context length and multiple-choice questions, on variants with full, sliding-window
 * and local/global attention.
 */
class PackingEquivalenceTest {
  @TempDir static Path tmp;

  private static final double SAME = 1e-5;

  static Stream<Arguments> variants() {
    return io.cpt4j.checkpoint.TestCheckpoints.decoderVariants()
        .filter(a -> List.of("llama-gqa", "mistral-sliding-window", "qwen2-sliding-window-layer",
            "gemma3-local-global", "neox-parallel-partial-rotary").contains((String) a.get()[0]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void packedPaddedAndAloneAgree(String name, ModelConfig c) {
    Path dir = tmp.resolve(name);
    OnnxFixtures.checkpoint(c, dir, 3).close();
    List<LoglikelihoodRequest> requests = ScoringFixtures.mixedRequests(c, 21, 10);
    List<Loglikelihood> alone = new ArrayList<>();
    try (Scorer scorer = Scorer.open(dir, new Scorer.Options(false, 8192, 0))) {
      for (LoglikelihoodRequest r : requests) {
        alone.addAll(scorer.score(List.of(r)));
      }
      ScoringFixtures.assertSame(scorer.score(requests), alone, SAME, name + " padded rows");
    }
    try (Scorer scorer = Scorer.open(dir, new Scorer.Options(false, 50, 0))) {
      ScoringFixtures.assertSame(scorer.score(requests), alone, SAME, name + " padded rows, small passes");
    }
    try (Scorer scorer = Scorer.open(dir, Scorer.Options.defaults())) {
      ScoringFixtures.assertSame(scorer.score(requests), alone, SAME, name + " packed");
    }
    try (Scorer scorer = Scorer.open(dir, new Scorer.Options(true, 100, 0))) {
      ScoringFixtures.assertSame(scorer.score(requests), alone, SAME, name + " packed, small passes");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void packingSharesContextsAndNeedsFewerPositions(String name, ModelConfig c) {
    List<Window> windows = Window.of(ScoringFixtures.mixedRequests(c, 21, 10), c.maxPositionEmbeddings(),
        c.vocabSize());
    List<Unit> units = RowPacker.shareContexts(windows, c.maxPositionEmbeddings());
    assertThat(units).as("units for %d windows", windows.size()).hasSizeLessThan(windows.size() - 10)
        .anyMatch(Unit::shared);
    long packed = RowPacker.packed(units, 8192).stream().mapToLong(p -> (long) p.rows() * p.length()).sum();
    long padded = RowPacker.padded(windows, 8192).stream().mapToLong(p -> (long) p.rows() * p.length()).sum();
    assertThat(packed).isLessThan(padded * 3 / 4);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void anEmptyListHasNoAnswers(String name, ModelConfig c) {
    Path dir = tmp.resolve(name + "-empty");
    OnnxFixtures.checkpoint(c, dir, 3).close();
    try (Scorer scorer = Scorer.open(dir)) {
      assertThat(scorer.score(List.of())).isEmpty();
    }
  }
}
