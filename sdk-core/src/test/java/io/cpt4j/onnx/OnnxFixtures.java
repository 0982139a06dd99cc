package io.cpt4j.onnx;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.cpt4j.backend.Batch;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.model.ReferenceDecoder;
import io.cpt4j.model.internal.Decoder;
import io.cpt4j.model.internal.ModelPass;
import io.cpt4j.engine.internal.DjlSupport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Shared fixtures of the ONNX tests: every variant the decoder supports (the list of
 * DecoderParityTest / HfGoldenTest), random checkpoints on disk, and the DJL decoder (validated
 * against transformers by HfGoldenTest) as the reference for logits.
 */
public final class OnnxFixtures {
  private OnnxFixtures() {}

  static Stream<Arguments> variants() {
    return TestCheckpoints.decoderVariants();
  }

  /**
   * A random checkpoint of {@code c} in {@code dir}. Weights are {@link ReferenceDecoder#randomWeights}
   * scaled by 4 (norm weights kept), so logits span a few units rather than hundredths and the
   * 1e-4 bound is a real test.
   */
  public static Checkpoint checkpoint(ModelConfig c, Path dir, long seed) {
    Map<String, float[]> w = weights(c, seed);
    List<Tensor> tensors = new ArrayList<>();
    c.expectedTensors().forEach((name, shape) ->
        tensors.add(Tensor.ofFloats(name, shape.stream().mapToLong(Long::longValue).toArray(), w.get(name))));
    CheckpointWriter.to(dir).config(c).write(tensors);
    return Checkpoint.open(dir);
  }

  static Map<String, float[]> weights(ModelConfig c, long seed) {
    Map<String, float[]> w = ReferenceDecoder.randomWeights(c, seed);
    w.forEach((name, values) -> {
      if (!(name.contains("norm") && name.endsWith(".weight"))) {
        for (int i = 0; i < values.length; i++) {
          values[i] *= 4;
        }
      }
    });
    return w;
  }

  /** The DJL decoder in float32 over a checkpoint's weights. */
  public static final class Reference implements AutoCloseable {
    private final NDManager manager;
    private final ModelPass pass;
    private final int vocab;

    public Reference(Checkpoint ckpt) {
      DjlSupport.offline();
      manager = Engine.getEngine("PyTorch").newBaseManager();
      ModelConfig c = ckpt.config();
      vocab = c.vocabSize();
      Map<String, NDArray> masters = new LinkedHashMap<>();
      c.expectedTensors().forEach((name, shape) -> masters.put(name, manager.create(
          ckpt.tensor(name).toFloatArray(), new Shape(shape.stream().mapToLong(Long::longValue).toArray()))));
      pass = new ModelPass(new Decoder(c), masters, DataType.FLOAT32);
    }

    /** Logits (rows · length · vocab) of plain causal rows of equal length. */
    public float[] logits(int[][] rows) {
      int length = rows[0].length;
      int n = rows.length * length;
      int[] ids = new int[n];
      int[] targets = new int[n];
      int[] docs = new int[n];
      for (int r = 0; r < rows.length; r++) {
        for (int t = 0; t < length; t++) {
          ids[r * length + t] = rows[r][t];
          targets[r * length + t] = Batch.IGNORE;
          docs[r * length + t] = r;
        }
      }
      return pass.logits(new Batch(rows.length, length, ids, targets, new float[n], docs));
    }

    /** Per-token NLL of one sequence: nll[i] = −log p(seq[i + 1] | seq[0..i]). */
    public float[] tokenNll(int[] seq) {
      return pass.tokenNll(Batch.causalLm(new int[][] {seq}));
    }

    int vocab() {
      return vocab;
    }

    @Override
    public void close() {
      manager.close();
    }
  }

  public static int[][] randomRows(int rows, int length, int vocab, long seed) {
    Random r = new Random(seed);
    int[][] out = new int[rows][length];
    for (int[] row : out) {
      for (int t = 0; t < length; t++) {
        row[t] = r.nextInt(vocab);
      }
    }
    return out;
  }

  /** Largest |a[aOff + i] - b[bOff + i]| over {@code n} values. */
  public static double maxDiff(float[] a, int aOff, float[] b, int bOff, int n) {
    double worst = 0;
    for (int i = 0; i < n; i++) {
      worst = Math.max(worst, Math.abs((double) a[aOff + i] - b[bOff + i]));
    }
    return worst;
  }

  static double maxAbs(float[] a) {
    double m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}
