package io.cpt4j.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.onnx.OnnxFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link TrainingSession#tokenScores(Batch, int[])}: the CPU session, which computes each shared
 * prefix once under a mask that lets its continuations see it, gives what the interface's default
 * gives (each continuation scored after its own copy of the prefix, a plain packed batch), within
 * 1e-5 with the same argmax, on variants with full, sliding-window and local/global attention; and
 * both refuse a {@code prefixOf} that does not fit the batch.
 */
class SharedPrefixScoresTest {
  @TempDir static Path tmp;

  static Stream<Arguments> variants() {
    return TestCheckpoints.decoderVariants().filter(a -> List.of("llama", "qwen2-qkv-bias", "mistral-sliding-window",
        "qwen2-sliding-window-layer", "gemma3-local-global", "neox-parallel-partial-rotary").contains((String) a.get()[0]));
  }

  /** A batch and its prefixOf: rows of plain documents and prefixes with 1–3 continuations each. */
  record Shared(Batch batch, int[] prefixOf) {}

  static Shared randomShared(int vocab, int rows, int length, long seed) {
    Random r = new Random(seed);
    int n = rows * length;
    int[] ids = new int[n];
    int[] targets = new int[n];
    int[] docs = new int[n];
    List<Integer> prefixOf = new ArrayList<>();
    for (int row = 0; row < rows; row++) {
      int t = 0;
      while (t < length) {
        boolean shared = r.nextBoolean();
        int prefixDoc = prefixOf.size();
        int size = Math.min(length - t, 1 + r.nextInt(6));
        prefixOf.add(-1);
        t = fill(r, vocab, row * length, t, size, prefixDoc, ids, targets, docs);
        for (int c = 0; shared && c < 1 + r.nextInt(3) && t < length; c++) {
          prefixOf.add(prefixDoc);
          t = fill(r, vocab, row * length, t, Math.min(length - t, 1 + r.nextInt(4)), prefixOf.size() - 1, ids, targets,
              docs);
        }
      }
    }
    float[] w = new float[n];
    Arrays.fill(w, 1f);
    return new Shared(new Batch(rows, length, ids, targets, w, docs), prefixOf.stream().mapToInt(i -> i).toArray());
  }

  private static int fill(Random r, int vocab, int rowStart, int t, int size, int doc, int[] ids, int[] targets,
      int[] docs) {
    for (int k = 0; k < size; k++, t++) {
      ids[rowStart + t] = r.nextInt(vocab);
      targets[rowStart + t] = r.nextInt(4) == 0 ? Batch.IGNORE : r.nextInt(vocab);
      docs[rowStart + t] = doc;
    }
    return t;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void theSessionScoresSharedPrefixesAsTheirExpansion(String name, ModelConfig c) {
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(c, tmp.resolve(name), 5);
        TrainingSession session = Backends.cpu().open(ckpt, SessionOptions.defaults())) {
      TrainingSession expanding = new ExpandingSession(session);
      for (long seed = 1; seed <= 3; seed++) {
        Shared s = randomShared(c.vocabSize(), 2, 24, seed);
        TokenScores tree = session.tokenScores(s.batch(), s.prefixOf());
        TokenScores expanded = expanding.tokenScores(s.batch(), s.prefixOf());
        for (int i = 0; i < tree.nll().length; i++) {
          assertThat((double) tree.nll()[i]).as("%s seed %d position %d", name, seed, i)
              .isCloseTo(expanded.nll()[i], org.assertj.core.data.Offset.offset(1e-5));
        }
        assertThat(tree.argmax()).as(name).containsExactly(expanded.argmax());
      }
      Shared s = randomShared(c.vocabSize(), 2, 24, 9);
      int[] none = new int[s.prefixOf().length];
      Arrays.fill(none, -1);
      assertThat(session.tokenScores(s.batch(), none).argmax()).containsExactly(session.tokenScores(s.batch()).argmax());
    }
  }

  @Test
  void aPrefixOfThatDoesNotFitTheBatchIsRefused() {
    ModelConfig c = TestCheckpoints.tinyLlama();
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(c, tmp.resolve("refused"), 5);
        TrainingSession session = Backends.cpu().open(ckpt, SessionOptions.defaults())) {
      int[] ids = {1, 2, 3, 4, 5, 6};
      int[] targets = {2, 3, 4, 5, 6, 7};
      float[] w = {1, 1, 1, 1, 1, 1};
      Batch b = new Batch(1, 6, ids, targets, w, new int[] {0, 0, 1, 1, 2, 2});
      for (TrainingSession s : List.of(session, new ExpandingSession(session))) {
        assertThatThrownBy(() -> s.tokenScores(b, new int[] {-1, 2, -1})).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("document 1 continues document 2");
        assertThatThrownBy(() -> s.tokenScores(b, new int[] {-1, 0, 1})).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("a prefix must be a plain document");
        assertThatThrownBy(() -> s.tokenScores(b, new int[] {-1, 0})).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("document id 2");
      }
    }
  }

  /** A session that forwards everything but the shared-prefix scores, so that the interface's default computes them. */
  private record ExpandingSession(TrainingSession s) implements TrainingSession {
    @Override public ModelConfig config() { return s.config(); }
    @Override public long parameterCount() { return s.parameterCount(); }
    @Override public StepResult step(List<Batch> microBatches, double learningRate) { return s.step(microBatches, learningRate); }
    @Override public double loss(Batch batch) { return s.loss(batch); }
    @Override public float[] tokenLosses(Batch batch) { return s.tokenLosses(batch); }
    @Override public float[] logits(Batch batch) { return s.logits(batch); }
    @Override public TokenScores tokenScores(Batch batch) { return s.tokenScores(batch); }
    @Override public long steps() { return s.steps(); }
    @Override public List<Tensor> weights() { return s.weights(); }
    @Override public void saveState(Path directory) { s.saveState(directory); }
    @Override public void restoreState(Path directory) { s.restoreState(directory); }
    @Override public void close() {}
  }
}
