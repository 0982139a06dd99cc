package io.cpt4j.backend.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.Precision;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.StepResult;
import io.cpt4j.backend.TestSessions;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.engine.internal.DjlSupport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A session that builds announced batches on its prefetch thread (as the GPU backend's do; here on
 * the CPU) trains bit for bit as one that builds every batch in the step: when the announcement
 * matches, when it does not (other batches, or a stale announcement before the right one), with
 * nothing announced, with the micro-batches of a step built one ahead, and with a bad batch, which
 * fails in the step with the step's own error. Nothing prepared is leaked.
 */
class PrefetchSessionTest {
  @TempDir Path tmp;

  private static final ModelConfig CONFIG = TestCheckpoints.tinyNeox();

  /** Micro-batches of a step: two packed rows of 10, new tokens every step. */
  private static List<Batch> batches(int step, int micro) {
    List<Batch> out = new ArrayList<>();
    for (int j = 0; j < micro; j++) {
      int[] docs = new int[20];
      for (int i = 0; i < docs.length; i++) {
        docs[i] = (i % 10) / (3 + step % 4);
      }
      out.add(TestSessions.randomBatch(CONFIG.vocabSize(), 2, 10, 100L * step + j).withDocumentIds(docs));
    }
    return out;
  }

  private DjlTrainingSession open(Checkpoint ckpt, SessionOptions options, boolean prefetch) {
    DjlSupport.offline();
    return new DjlTrainingSession(Engine.getEngine("PyTorch"), Device.cpu(), ckpt, ckpt, options, DataType.FLOAT32,
        batches -> {}, prefetch);
  }

  @ParameterizedTest
  @CsvSource({"FP32, false, 1", "FP32, true, 2", "FP16_MIXED, false, 3", "FP16_MIXED, true, 1"})
  void prefetchedStepsEqualPlainStepsBitForBit(Precision precision, boolean checkpointing, int micro) {
    SessionOptions options = SessionOptions.builder().precision(precision)
        .activationCheckpointing(checkpointing).build();
    List<List<Batch>> plan = new ArrayList<>();
    for (int s = 0; s < 8; s++) {
      plan.add(batches(s, micro));
    }
    List<Batch> unused = batches(99, micro);
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("m"), CONFIG, 3);
        DjlTrainingSession plain = open(ckpt, options, false);
        DjlTrainingSession ahead = open(ckpt, options, true)) {
      ahead.prefetch(plan.get(0));
      ahead.step(plan.get(0), 1e-2); // warm-up: the optimizer's moments exist from here on
      plain.step(plan.get(0), 1e-2);
      int arrays = ahead.liveArrays();
      for (int s = 1; s < plan.size(); s++) {
        switch (s) {
          case 3 -> ahead.prefetch(unused); // announced, then another step comes: discarded
          case 5 -> {
            ahead.prefetch(unused);
            ahead.prefetch(plan.get(s)); // the stale one is freed when this one is taken
          }
          case 6 -> {} // nothing announced
          default -> ahead.prefetch(plan.get(s));
        }
        StepResult a = ahead.step(plan.get(s), 1e-2);
        StepResult p = plain.step(plan.get(s), 1e-2);
        assertThat(a).as("step %d", s).isEqualTo(p);
      }
      // steps 0, 1, 2, 4, 5 and 7 took their announced first micro-batch, 3 and 6 built it; every
      // later micro-batch of a step was built during the one before
      assertThat(ahead.prefetchedBatches()).isEqualTo(6L * micro + 2L * (micro - 1));
      ahead.dropPrefetched();
      assertThat(ahead.liveArrays()).as("engine arrays after the steps").isEqualTo(arrays);
      assertThat(plain.prefetchedBatches()).isZero();
      List<Tensor> wa = ahead.weights();
      List<Tensor> wp = plain.weights();
      for (int i = 0; i < wa.size(); i++) {
        assertThat(wa.get(i).toFloatArray()).as(wa.get(i).name()).containsExactly(wp.get(i).toFloatArray());
      }
      ahead.prefetch(plan.get(1)); // pending at close: freed by close
    }
  }

  /** The trainer's order: step k + 1 announced before step k runs, with gradient accumulation. */
  @ParameterizedTest
  @CsvSource({"FP32, false", "FP16_MIXED, true"})
  void announcedAStepAheadEveryMicroBatchIsBuiltAhead(Precision precision, boolean checkpointing) {
    SessionOptions options = SessionOptions.builder().precision(precision)
        .activationCheckpointing(checkpointing).build();
    int micro = 3;
    List<List<Batch>> plan = new ArrayList<>();
    for (int s = 0; s < 6; s++) {
      plan.add(batches(s, micro));
    }
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("m"), CONFIG, 3);
        DjlTrainingSession plain = open(ckpt, options, false);
        DjlTrainingSession ahead = open(ckpt, options, true)) {
      for (int s = 0; s < plan.size(); s++) {
        if (s + 1 < plan.size()) {
          ahead.prefetch(plan.get(s + 1));
        }
        assertThat(ahead.step(plan.get(s), 1e-2)).as("step %d", s).isEqualTo(plain.step(plan.get(s), 1e-2));
      }
      // all but the very first micro-batch, which nobody announced
      assertThat(ahead.prefetchedBatches()).isEqualTo(6L * micro - 1);
    }
  }

  @ParameterizedTest
  @CsvSource({"true", "false"})
  void aBadAnnouncedBatchFailsInTheStepWithTheStepsError(boolean prefetch) {
    Batch good = TestSessions.randomBatch(CONFIG.vocabSize(), 1, 6, 1);
    int[] ids = good.inputIds().clone();
    ids[2] = CONFIG.vocabSize() + 5;
    Batch bad = new Batch(1, 6, ids, good.targets(), good.weights(), good.documentIds());
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("m"), CONFIG, 3);
        DjlTrainingSession s = open(ckpt, SessionOptions.defaults(), prefetch)) {
      int arrays = s.liveArrays();
      s.prefetch(List.of(bad));
      assertThatThrownBy(() -> s.step(List.of(bad), 1e-2)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("input id " + (CONFIG.vocabSize() + 5) + " is outside the vocabulary [0, "
              + CONFIG.vocabSize() + ")");
      assertThat(s.steps()).isZero();
      assertThat(s.liveArrays()).isEqualTo(arrays);
      s.prefetch(List.of(good));
      assertThat(s.step(List.of(good), 1e-2).loss()).isFinite();
      assertThat(s.prefetchedBatches()).isEqualTo(prefetch ? 1 : 0);
    }
  }
}
