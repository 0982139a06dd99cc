package io.cpt4j.eval.internal.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import io.cpt4j.onnx.OnnxExport;
import io.cpt4j.onnx.OnnxFixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ONNX scorer (one request a right-padded row on ONNX Runtime) against the checkpoint scorer
 * (packed rows on the DJL decoder): the same answers within 1e-4, for exports with and without the
 * key/value cache, and with passes capped small. {@code Scorer.open} picks ONNX for a directory
 * holding model.onnx and the checkpoint otherwise.
 */
class OnnxScorerTest {
  @TempDir static Path tmp;

  static Stream<Arguments> variants() {
    return io.cpt4j.checkpoint.TestCheckpoints.decoderVariants()
        .filter(a -> List.of("llama", "llama-gqa", "qwen2-qkv-bias", "mistral-sliding-window", "qwen3-qk-norm",
            "gemma3-local-global", "gemma3-final-softcap-scaled-rope", "neox-parallel-partial-rotary")
            .contains((String) a.get()[0]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void onnxAnswersAsTheCheckpoint(String name, ModelConfig c) {
    Path dir = tmp.resolve(name);
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(c, dir.resolve("ckpt"), 13)) {
      OnnxExport.of(ckpt).writeTo(dir.resolve("cached"));
      OnnxExport.of(ckpt).kvCache(false).writeTo(dir.resolve("plain"));
    }
    List<LoglikelihoodRequest> requests = ScoringFixtures.mixedRequests(c, 31, 20);
    List<Loglikelihood> expected;
    try (Scorer checkpoint = Scorer.open(dir.resolve("ckpt"))) {
      assertThat(checkpoint).isInstanceOf(CheckpointScorer.class);
      expected = checkpoint.score(requests);
    }
    for (String export : List.of("cached", "plain")) {
      try (Scorer onnx = Scorer.open(dir.resolve(export))) {
        assertThat(onnx).isInstanceOf(OnnxScorer.class);
        assertThat(onnx.maxLength()).isEqualTo(c.maxPositionEmbeddings());
        assertThat(onnx.config().vocabSize()).isEqualTo(c.vocabSize());
        ScoringFixtures.assertSame(onnx.score(requests), expected, ScoringFixtures.TOLERANCE, name + " " + export);
      }
    }
    try (Scorer onnx = Scorer.open(dir.resolve("plain"), new Scorer.Options(true, 40, 1))) {
      ScoringFixtures.assertSame(onnx.score(requests), expected, ScoringFixtures.TOLERANCE, name + " small passes");
    }
  }
}
