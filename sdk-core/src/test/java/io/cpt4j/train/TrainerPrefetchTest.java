package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import io.cpt4j.backend.Backend;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.StepResult;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.backend.internal.DjlTrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer announces every step's micro-batches (the very objects) one step ahead, and nothing
 * after the last step; a run on sessions that prepare them on their prefetch thread (the GPU
 * backend's kind, here on the CPU) writes the same metrics, checkpoints and final weights as a run
 * on the plain CPU backend.
 */
class TrainerPrefetchTest {
  @TempDir Path tmp;

  /** A CPU backend whose sessions prefetch, recording what was announced and what was stepped. */
  static final class RecordingBackend implements Backend {
    final List<List<Batch>> announced = new ArrayList<>();
    final List<List<Batch>> stepped = new ArrayList<>();

    @Override
    public String name() {
      return "cpu";
    }

    @Override
    public String description() {
      return "cpu with prefetch (test)";
    }

    @Override
    public TrainingSession open(Checkpoint checkpoint, Checkpoint reference, SessionOptions options) {
      TrainingSession s = new DjlTrainingSession(Engine.getEngine("PyTorch"), Device.cpu(), checkpoint, reference,
          options, DataType.FLOAT32, batches -> {}, true);
      return new TrainingSession() {
        @Override
        public StepResult step(List<Batch> microBatches, double learningRate) {
          stepped.add(List.copyOf(microBatches));
          return s.step(microBatches, learningRate);
        }

        @Override
        public void prefetch(List<Batch> next) {
          announced.add(List.copyOf(next));
          s.prefetch(next);
        }

        @Override public ModelConfig config() { return s.config(); }
        @Override public long parameterCount() { return s.parameterCount(); }
        @Override public double loss(Batch batch) { return s.loss(batch); }
        @Override public float[] tokenLosses(Batch batch) { return s.tokenLosses(batch); }
        @Override public float[] logits(Batch batch) { return s.logits(batch); }
        @Override public long steps() { return s.steps(); }
        @Override public List<Tensor> weights() { return s.weights(); }
        @Override public void saveState(Path directory) { s.saveState(directory); }
        @Override public void restoreState(Path directory) { s.restoreState(directory); }
        @Override public void close() { s.close(); }
      };
    }
  }

  @Test
  void eachStepIsAnnouncedAStepAheadAndTrainsAsWithout() throws IOException {
    TrainFixtures.write(tmp);
    Path plain = tmp.resolve("plain");
    ContinualPretrainer.fromYaml(TrainFixtures.runFile(tmp, plain, 7, 3)).train();

    Path ahead = tmp.resolve("ahead");
    RecordingBackend backend = new RecordingBackend();
    ContinualPretrainer.fromYaml(TrainFixtures.runFile(tmp, ahead, 7, 3)).backend(backend).train();

    assertThat(backend.stepped).hasSize(7).allSatisfy(m -> assertThat(m).hasSize(2));
    assertThat(backend.announced).hasSize(6);
    for (int i = 1; i < 7; i++) {
      List<Batch> announced = backend.announced.get(i - 1);
      List<Batch> stepped = backend.stepped.get(i);
      for (int j = 0; j < stepped.size(); j++) {
        assertThat(stepped.get(j)).as("step %d micro-batch %d", i + 1, j).isSameAs(announced.get(j));
      }
    }
    assertThat(Files.readAllLines(ahead.resolve("metrics.jsonl")))
        .containsExactlyElementsOf(Files.readAllLines(plain.resolve("metrics.jsonl")));
    for (String dir : List.of("checkpoints/step-6", "checkpoints/step-7", "final")) {
      try (Checkpoint a = Checkpoint.open(plain.resolve(dir)); Checkpoint b = Checkpoint.open(ahead.resolve(dir))) {
        for (var t : a.tensors()) {
          assertThat(b.tensor(t.name()).toFloatArray()).as(dir + " " + t.name())
              .containsExactly(a.tensor(t.name()).toFloatArray());
        }
      }
      if (!dir.equals("final")) {
        assertThat(Files.readString(ahead.resolve(dir).resolve("trainer-state/trainer.json")))
            .isEqualTo(Files.readString(plain.resolve(dir).resolve("trainer-state/trainer.json")));
      }
    }
  }
}
