package io.cpt4j.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.TokenScores;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.engine.internal.DjlSupport;
import io.cpt4j.model.ReferenceDecoder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ModelPass#tokenScores}, which applies the LM head to the scored positions alone and in
 * chunks, against the full logits: the NLLs of the float64 reference within 1e-5 and its argmax,
 * whatever the chunk size, and {@link TokenScores#NOT_SCORED} where the target is ignored.
 */
class TokenScoresTest {
  private static NDManager manager;

  @BeforeAll
  static void engine() {
    DjlSupport.offline();
    manager = Engine.getEngine("PyTorch").newBaseManager();
  }

  @AfterAll
  static void release() {
    manager.close();
  }

  static Stream<Arguments> variants() {
    return TestCheckpoints.decoderVariants();
  }

  private static ModelPass pass(ModelConfig c, Map<String, float[]> w) {
    Map<String, NDArray> m = new LinkedHashMap<>();
    c.expectedTensors().forEach((name, shape) ->
        m.put(name, manager.create(w.get(name), new Shape(shape.stream().mapToLong(Long::longValue).toArray()))));
    return new ModelPass(new Decoder(c), m, DataType.FLOAT32);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void scoresMatchTheReferenceLogitsInEveryChunking(String name, ModelConfig c) {
    Map<String, float[]> w = ReferenceDecoder.randomWeights(c, 31);
    Batch batch = ReferenceDecoder.randomBatch(c, 3, 10, 32, true);
    double[] logits = ReferenceDecoder.logits(c, w::get, batch);
    double[] nll = ReferenceDecoder.tokenNll(c, w::get, batch);
    ModelPass pass = pass(c, w);
    int v = c.vocabSize();
    for (int chunk : new int[] {1, 4, 1000}) {
      TokenScores s = pass.tokenScores(batch, null, chunk);
      for (int i = 0; i < nll.length; i++) {
        if (batch.targets()[i] == Batch.IGNORE) {
          assertThat(s.argmax()[i]).isEqualTo(TokenScores.NOT_SCORED);
          assertThat(s.nll()[i]).isZero();
          continue;
        }
        assertThat((double) s.nll()[i]).as("%s chunk %d position %d", name, chunk, i)
            .isCloseTo(nll[i], org.assertj.core.data.Offset.offset(1e-5));
        int best = 0;
        for (int k = 1; k < v; k++) {
          best = logits[i * v + k] > logits[i * v + best] ? k : best;
        }
        assertThat(s.argmax()[i]).as("%s chunk %d argmax at %d", name, chunk, i).isEqualTo(best);
      }
    }
    TokenScores full = TokenScores.fromLogits(batch, pass.logits(batch));
    assertThat(full.argmax()).containsExactly(pass.tokenScores(batch).argmax());
  }

  @Test
  void aBatchWithoutTargetsScoresNothingButStillChecksTheIds() {
    ModelConfig c = TestCheckpoints.tinyLlama();
    ModelPass pass = pass(c, ReferenceDecoder.randomWeights(c, 1));
    int[] ignored = new int[4];
    Arrays.fill(ignored, Batch.IGNORE);
    TokenScores s = pass.tokenScores(new Batch(1, 4, new int[] {1, 2, 3, 4}, ignored, new float[4], new int[4]));
    assertThat(s.argmax()).containsOnly(TokenScores.NOT_SCORED);
    assertThatThrownBy(() -> pass.tokenScores(new Batch(1, 4, new int[] {1, 2, 48, 4}, ignored, new float[4],
        new int[4]))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("48");
  }
}
