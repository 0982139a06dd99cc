package io.cpt4j.backend.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.backend.Backends;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.Precision;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.StepResult;
import io.cpt4j.backend.TestSessions;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collections during a step change nothing: steps run while another thread calls {@code
 * System.gc()} every 2 ms give the same losses and gradient norms, bit for bit, as steps run
 * without. Regression test: DJL's {@code mul(Number)} left autograd holding a tensor over a freed
 * Java buffer, and with this collector running gradients came out 0, NaN or slightly off in every
 * one of 8 tries (of 8 steps each); see {@code Scalars}.
 */
class GcDuringBackwardTest {
  @TempDir Path tmp;

  private static List<StepResult> train(Checkpoint ckpt, SessionOptions options, ModelConfig c) {
    List<StepResult> out = new ArrayList<>();
    try (TrainingSession s = Backends.cpu(2).open(ckpt, options)) {
      for (int step = 0; step < 8; step++) {
        Batch b = TestSessions.randomBatch(c.vocabSize(), 2, 10, 100L * step);
        out.add(s.step(List.of(b, TestSessions.randomBatch(c.vocabSize(), 2, 10, 100L * step + 1)), 1e-2));
      }
    }
    return out;
  }

  @Test
  void stepsUnderConstantGarbageCollectionEqualStepsWithout() throws InterruptedException {
    for (ModelConfig c : new ModelConfig[] {TestCheckpoints.tinyNeox(), TestCheckpoints.tinyLlamaGqa()}) {
      for (SessionOptions options : List.of(SessionOptions.defaults(),
          SessionOptions.builder().precision(Precision.FP16_MIXED).activationCheckpointing(true).build())) {
        try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve(c.architecture() + "-" + options.precision()),
            c, 3)) {
          List<StepResult> quiet = train(ckpt, options, c);
          AtomicBoolean collecting = new AtomicBoolean(true);
          Thread gc = Thread.ofPlatform().daemon().start(() -> {
            while (collecting.get()) {
              System.gc();
              try {
                Thread.sleep(2);
              } catch (InterruptedException e) {
                return;
              }
            }
          });
          List<StepResult> collected;
          try {
            collected = train(ckpt, options, c);
          } finally {
            collecting.set(false);
            gc.join();
          }
          assertThat(collected).as("%s %s", c.architecture(), options.precision()).isEqualTo(quiet);
        }
      }
    }
  }
}
