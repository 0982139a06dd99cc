package io.cpt4j.backend;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** Fixtures for session tests: small random checkpoints and batches. */
public final class TestSessions {
  private TestSessions() {}

  /** Writes a checkpoint of {@code config} with normal(0, 0.05) weights and unit norms, and opens it. */
  public static Checkpoint tinyCheckpoint(Path dir, ModelConfig config, long seed) {
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

  /** {@code rows} random sequences of {@code length + 1} tokens as a causal-LM batch. */
  public static Batch randomBatch(int vocab, int rows, int length, long seed) {
    Random r = new Random(seed);
    int[][] seqs = new int[rows][length + 1];
    for (int[] s : seqs) {
      for (int i = 0; i < s.length; i++) {
        s[i] = r.nextInt(vocab);
      }
    }
    return Batch.causalLm(seqs);
  }

}
