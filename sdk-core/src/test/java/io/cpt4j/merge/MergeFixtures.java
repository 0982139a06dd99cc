package io.cpt4j.merge;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Tiny random checkpoints for the merge tests. */
public final class MergeFixtures {
  private MergeFixtures() {}

  /** A checkpoint of {@code config} with Gaussian weights (σ = 0.05), written in {@code dtype}. */
  public static Checkpoint random(Path dir, ModelConfig config, long seed, DType dtype, long maxShard) {
    Random r = new Random(seed);
    List<Tensor> tensors = new ArrayList<>();
    config.expectedTensors().forEach((name, shape) -> {
      long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
      float[] data = new float[(int) TensorInfo.of(name, DType.F32, dims).elementCount()];
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) (r.nextGaussian() * 0.05);
      }
      tensors.add(Tensor.ofFloats(name, dims, data));
    });
    CheckpointWriter.to(dir).config(config).dtype(dtype).maxShardSize(maxShard).write(tensors);
    return Checkpoint.open(dir);
  }

  public static Checkpoint random(Path dir, ModelConfig config, long seed) {
    return random(dir, config, seed, DType.F32, Long.MAX_VALUE);
  }

  public static double[] doubles(Checkpoint c, String name) {
    float[] f = c.tensor(name).toFloatArray();
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
