package io.cpt4j.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CPU training step: it learns, accumulates, checkpoints and scales losses correctly. */
class TrainingSessionTest {
  @TempDir Path tmp;

  static Checkpoint tinyCheckpoint(Path dir, ModelConfig config, long seed) {
    Random r = new Random(seed);
    List<Tensor> tensors = config.expectedTensors().entrySet().stream().map(e -> {
      long[] dims = e.getValue().stream().mapToLong(Long::longValue).toArray();
      float[] data = new float[(int) java.util.Arrays.stream(dims).reduce(1, Math::multiplyExact)];
      boolean norm = e.getKey().contains("norm") && e.getKey().endsWith(".weight");
      for (int i = 0; i < data.length; i++) {
        data[i] = norm ? 1f : (float) (r.nextGaussian() * 0.05);
      }
      return Tensor.ofFloats(e.getKey(), dims, data);
    }).toList();
    CheckpointWriter.to(dir).config(config).write(tensors);
    return Checkpoint.open(dir);
  }

  static Batch randomBatch(int vocab, int rows, int length, long seed) {
    Random r = new Random(seed);
    int[][] seqs = new int[rows][length + 1];
    for (int[] s : seqs) {
      for (int i = 0; i < s.length; i++) {
        s[i] = r.nextInt(vocab);
      }
    }
    return Batch.causalLm(seqs);
  }

  @Test
  void aTinyLlamaMemorisesAFixedBatch() {
    ModelConfig config = TestCheckpoints.tinyLlamaGqa();
    try (Checkpoint ckpt = tinyCheckpoint(tmp.resolve("m"), config, 1);
        TrainingSession s = Backends.cpu().open(ckpt, SessionOptions.defaults()
            .withOptimizer(AdamW.defaults().withWeightDecay(0)))) {
      Batch batch = randomBatch(config.vocabSize(), 2, 16, 2);
      double first = s.loss(batch);
      StepResult last = null;
      int steps = 0;
      while (steps < 300 && (last == null || last.loss() > 0.05)) {
        last = s.step(List.of(batch), 1e-2);
        steps++;
      }
      assertThat(first).isCloseTo(Math.log(config.vocabSize()), org.assertj.core.data.Offset.offset(0.5));
      assertThat(s.loss(batch)).isLessThan(0.1);
      assertThat(s.steps()).isEqualTo(steps);
      System.out.println("memorised in " + steps + " steps, first loss " + first + ", last " + last);
    }
  }
}
