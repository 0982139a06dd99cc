package io.cpt4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.backend.Batch;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.model.ReferenceDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exported graph against Hugging Face transformers itself, on the golden logits of
 * HfGoldenTest (transformers 5.17.0, float64, same seeded weights and batch): the plain rows
 * through the cache export, and the packed rows' documents, each a row of one left-padded batch,
 * against the packed goldens (transformers restarted positions and masked across documents there,
 * which left padding with per-row positions reproduces). Tolerance: 1e-5 of max(1, max|logit|).
 */
class OnnxHfGoldenTest {
  @TempDir static Path tmp;

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.cpt4j.onnx.OnnxFixtures#variants")
  void logitsMatchTransformers(String name, ModelConfig c) throws Exception {
    Map<String, float[]> w = ReferenceDecoder.randomWeights(c, 11); // HfGoldenInputs.WEIGHT_SEED
    Batch packed = ReferenceDecoder.randomBatch(c, 2, 12, 12, true); // ROWS, LENGTH, BATCH_SEED
    List<Tensor> tensors = new ArrayList<>();
    c.expectedTensors().forEach((n, shape) ->
        tensors.add(Tensor.ofFloats(n, shape.stream().mapToLong(Long::longValue).toArray(), w.get(n))));
    Path dir = tmp.resolve(name);
    CheckpointWriter.to(dir.resolve("ckpt")).config(c).write(tensors);
    try (Checkpoint ckpt = Checkpoint.open(dir.resolve("ckpt"))) {
      OnnxExport.of(ckpt).writeTo(dir.resolve("onnx"));
    }
    Path file = Path.of(OnnxHfGoldenTest.class.getResource("/hf-golden/" + name + ".safetensors").toURI());
    int v = c.vocabSize();
    int t = packed.length();
    try (TensorStore golden = Safetensors.open(file); OrtModel m = OrtModel.load(dir.resolve("onnx"))) {
      float[] plainRef = golden.tensor("plain").toFloatArray();
      float[] packedRef = golden.tensor("packed").toFloatArray();
      double scale = Math.max(1, Math.max(OnnxFixtures.maxAbs(plainRef), OnnxFixtures.maxAbs(packedRef)));
      int[][] rows = new int[packed.rows()][];
      for (int r = 0; r < rows.length; r++) {
        rows[r] = Arrays.copyOfRange(packed.inputIds(), r * t, (r + 1) * t);
      }
      double plain = OnnxFixtures.maxDiff(m.logits(rows).values(), 0, plainRef, 0, plainRef.length);
      // every document of the packed batch as its own row of one left-padded batch
      List<int[]> docs = new ArrayList<>();
      List<Integer> starts = new ArrayList<>();
      for (int i = 0; i < packed.inputIds().length; i++) {
        boolean start = i % t == 0 || packed.documentIds()[i] != packed.documentIds()[i - 1];
        if (start) {
          int end = i + 1;
          while (end < packed.inputIds().length && end % t != 0 && packed.documentIds()[end] == packed.documentIds()[i]) {
            end++;
          }
          docs.add(Arrays.copyOfRange(packed.inputIds(), i, end));
          starts.add(i);
        }
      }
      OrtInputs in = OrtInputs.leftPadded(docs.toArray(int[][]::new), 0);
      Forward f = m.forward(in, null);
      f.cache().ifPresent(KvCache::close);
      double packedDiff = 0;
      for (int d = 0; d < docs.size(); d++) {
        int pad = in.length() - docs.get(d).length;
        packedDiff = Math.max(packedDiff, OnnxFixtures.maxDiff(f.logits().values(), (d * in.length() + pad) * v,
            packedRef, starts.get(d) * v, docs.get(d).length * v));
      }
      System.out.printf("%s: largest difference from transformers / max|logit|: plain %.2e, packed as left-padded"
          + " documents (%d) %.2e%n", name, plain / scale, docs.size(), packedDiff / scale);
      assertThat(docs.size()).isGreaterThan(packed.rows());
      assertThat(plain / scale).as("plain").isLessThan(1e-5);
      assertThat(packedDiff / scale).as("packed").isLessThan(1e-5);
    }
  }
}
