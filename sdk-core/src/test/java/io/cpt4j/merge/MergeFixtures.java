package io.cpt4j.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiny random checkpoints for the merge tests, the float64 reference pieces several of them share,
 * and {@link WithCheckpoints}, the per-test lifecycle of the tests that open checkpoints.
 */
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

  /** The task vector {@code x − o} as float32 holds it (inputs rounded to float32, then the difference), widened. */
  public static double[] taskVector(double[] x, double[] o) {
    double[] d = new double[o.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) ((float) x[i] - (float) o[i]);
    }
    return d;
  }

  /** The indices of {@code d} by descending magnitude, ties by index. */
  public static Integer[] byMagnitude(double[] d) {
    Integer[] order = IntStream.range(0, d.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -Math.abs(d[i])).thenComparing(i -> i));
    return order;
  }

  /** TIES trimming of the float32 task vector: the ⌊density·n⌋ largest magnitudes, ties by index. */
  public static double[] tiesTrimmed(double[] x, double[] o, double density) {
    double[] d = taskVector(x, o);
    if (density >= 1) {
      return d;
    }
    Integer[] order = byMagnitude(d);
    for (int r = (int) (density * d.length); r < d.length; r++) {
      d[order[r]] = 0;
    }
    return d;
  }

  /** {@code Σ w[k]·d[k][i]}, the weighted sum whose sign TIES elects. */
  public static double weightedSum(double[] w, double[][] d, int i) {
    double s = 0;
    for (int k = 0; k < w.length; k++) {
      s += w[k] * d[k][i];
    }
    return s;
  }

  /** Whether the weighted sum at {@code i} cancels within float32 rounding, so either sign is a correct election. */
  public static boolean ambiguousSign(double[] w, double[][] d, int i) {
    double magnitudes = 0;
    for (int k = 0; k < w.length; k++) {
      magnitudes += Math.abs(w[k] * d[k][i]);
    }
    return Math.abs(weightedSum(w, d, i)) < 1e-6 * magnitudes;
  }

  /**
   * TIES's disjoint mean at {@code i}: the sign of the weighted sum (≥ 0 is +) is elected, and the
   * weighted entries of that sign are summed and divided by their weights (by 1 if there are none).
   */
  public static double disjointMean(double[] w, double[][] d, int i) {
    double sign = weightedSum(w, d, i) >= 0 ? 1 : -1;
    double mixed = 0;
    double div = 0;
    for (int k = 0; k < w.length; k++) {
      if (Math.signum(w[k] * d[k][i]) == sign) {
        mixed += w[k] * d[k][i];
        div += w[k];
      }
    }
    return mixed / (div == 0 ? 1 : div);
  }

  /**
   * The lifecycle the merge tests share: a temporary directory, the checkpoints a test opened
   * ({@link #keep}, closed after each test) and {@link #run}, which writes a merge and opens it.
   */
  public abstract static class WithCheckpoints {
    @TempDir protected Path dir;
    protected final List<Checkpoint> open = new ArrayList<>();

    @AfterEach
    void closeOpened() {
      open.forEach(Checkpoint::close);
    }

    protected Checkpoint keep(Checkpoint c) {
      open.add(c);
      return c;
    }

    /** Writes {@code merge} to a fresh directory under {@link #dir} and opens the result. */
    protected Checkpoint run(Merge merge) {
      Path out = dir.resolve("out-" + open.size());
      merge.writeTo(out);
      return keep(Checkpoint.open(out));
    }

    /** Checks every element of every tensor of {@code out} against {@code reference} within 1e-5 + 1e-5·|ref|. */
    protected void assertEveryElement(Checkpoint out, Function<String, double[]> reference) {
      for (TensorInfo t : out.tensors()) {
        double[] got = doubles(out, t.name());
        double[] want = reference.apply(t.name());
        for (int i = 0; i < got.length; i++) {
          assertThat(got[i]).as("%s[%d]", t.name(), i).isCloseTo(want[i], Offset.offset(1e-5 + 1e-5 * Math.abs(want[i])));
        }
      }
    }
  }

  /**
   * {@link WithCheckpoints} with four random tiny Llama checkpoints opened before each test: {@code
   * base} and {@code a} in F32, {@code b} in BF16 and sharded, {@code c} in F16.
   */
  public abstract static class WithFourCheckpoints extends WithCheckpoints {
    protected final ModelConfig config = io.cpt4j.checkpoint.TestCheckpoints.tinyLlama();
    protected Checkpoint base;
    protected Checkpoint a;
    protected Checkpoint b;
    protected Checkpoint c;

    @org.junit.jupiter.api.BeforeEach
    void openFour() {
      base = keep(random(dir.resolve("base"), config, 1));
      a = keep(random(dir.resolve("a"), config, 2));
      b = keep(random(dir.resolve("b"), config, 3, DType.BF16, 4096)); // sharded, BF16
      c = keep(random(dir.resolve("c"), config, 4, DType.F16, Long.MAX_VALUE));
    }
  }
}
