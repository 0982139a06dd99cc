package io.cpt4j.model.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.cpt4j.backend.Batch;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.engine.internal.DjlSupport;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decoder against Hugging Face transformers itself: logits that transformers 5.17.0 (PyTorch
 * 2.11, float64, eager attention) computed for the checkpoints {@link HfGoldenInputs} writes, one
 * per variant, stored as resources by {@code hf_golden.py} (see that script for how they were made).
 * Checked for the packed batch (position ids restarting per document and a block-diagonal causal
 * mask) and for the same ids as plain causal rows. Tolerance: 2e-6 of the largest |logit| (at
 * least 1) for our float32 pass; the golden values are float64 results rounded to float32. Gemma 3:
 * 5e-6, since transformers computes Gemma's RMSNorm in float32 even in a float64 model ({@code
 * x.float()}) and the sandwich norms rescale small sublayer outputs (and their rounding) to unit size
 * (3.6e-6 measured; 1.7e-6 with float64 norms patched into transformers).
 */
class HfGoldenTest {
  private static NDManager manager;

  @BeforeAll
  static void engine() {
    DjlSupport.offline();
    manager = Engine.getEngine("PyTorch").newBaseManager();
  }

  @AfterAll
  static void release() {
    manager.close();
  }

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> variants() {
    return TestCheckpoints.decoderVariants();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void logitsMatchHuggingFaceTransformers(String name, ModelConfig c) throws URISyntaxException {
    Path file = Path.of(HfGoldenTest.class.getResource("/hf-golden/" + name + ".safetensors").toURI());
    Map<String, float[]> w = HfGoldenInputs.weights(c);
    Map<String, NDArray> masters = new LinkedHashMap<>();
    c.expectedTensors().forEach((n, shape) ->
        masters.put(n, manager.create(w.get(n), new Shape(shape.stream().mapToLong(Long::longValue).toArray()))));
    ModelPass pass = new ModelPass(new Decoder(c), masters, ai.djl.ndarray.types.DataType.FLOAT32);
    Batch packed = HfGoldenInputs.batch(c);
    int[] oneDocPerRow = new int[packed.documentIds().length];
    for (int i = 0; i < oneDocPerRow.length; i++) {
      oneDocPerRow[i] = i / packed.length();
    }
    Batch plain = packed.withDocumentIds(oneDocPerRow);
    assertThat(Arrays.stream(packed.documentIds()).distinct().count()).as("documents in the packed batch")
        .isGreaterThan(packed.rows());
    try (TensorStore golden = Safetensors.open(file)) {
      assertThat(golden.metadata().get("transformers")).as("transformers version").startsWith("5.");
      double packedError = worstRelative(pass.logits(packed), golden.tensor("packed").toFloatArray());
      double plainError = worstRelative(pass.logits(plain), golden.tensor("plain").toFloatArray());
      System.out.printf("%s: largest difference from transformers / max|logit|: packed %.2e, plain %.2e%n", name,
          packedError, plainError);
      double tolerance = c.family() == io.cpt4j.checkpoint.ModelFamily.GEMMA3 ? 5e-6 : 2e-6;
      assertThat(packedError).as("packed").isLessThan(tolerance);
      assertThat(plainError).as("plain").isLessThan(tolerance);
    }
    masters.values().forEach(NDArray::close);
  }

  private static double worstRelative(float[] ours, float[] ref) {
    assertThat(ours).hasSameSizeAs(ref);
    double scale = 1;
    for (float r : ref) {
      scale = Math.max(scale, Math.abs(r));
    }
    double worst = 0;
    for (int i = 0; i < ref.length; i++) {
      worst = Math.max(worst, Math.abs(ours[i] - ref[i]));
    }
    return worst / scale;
  }
}
