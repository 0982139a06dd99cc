package io.cpt4j.model.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.cpt4j.backend.Batch;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.model.ReferenceDecoder;
import io.cpt4j.engine.internal.DjlSupport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The DJL decoder computes what the independent float64 {@link ReferenceDecoder} computes, for both
 * families and every variant: in float64 to 1e-10 and in float32 to 1e-5, both relative to the
 * largest |logit| (at least 1); and its autograd gradients match central finite differences of the
 * reference loss.
 */
class DecoderParityTest {
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

  static Stream<Arguments> variants() {
    return TestCheckpoints.decoderVariants();
  }

  private static Map<String, NDArray> masters(ModelConfig c, Map<String, float[]> w, DataType type) {
    Map<String, NDArray> m = new LinkedHashMap<>();
    c.expectedTensors().forEach((name, shape) -> {
      long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
      NDArray a = manager.create(w.get(name), new Shape(dims));
      m.put(name, type == DataType.FLOAT32 ? a : a.toType(type, false));
    });
    return m;
  }

  private static double worstRelative(float[] ours, double[] ref) {
    double scale = 1;
    for (double r : ref) {
      scale = Math.max(scale, Math.abs(r));
    }
    double worst = 0;
    for (int i = 0; i < ref.length; i++) {
      worst = Math.max(worst, Math.abs(ours[i] - ref[i]));
    }
    return worst / scale;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void logitsMatchTheFloat64Reference(String name, ModelConfig c) {
    Map<String, float[]> w = ReferenceDecoder.randomWeights(c, 11);
    Batch batch = ReferenceDecoder.randomBatch(c, 2, 12, 12, true);
    double[] ref = ReferenceDecoder.logits(c, w::get, batch);
    ModelPass f64 = new ModelPass(new Decoder(c), masters(c, w, DataType.FLOAT64), DataType.FLOAT64);
    ModelPass f32 = new ModelPass(new Decoder(c), masters(c, w, DataType.FLOAT32), DataType.FLOAT32);
    // float64 logits are returned as float: compare at float resolution plus the reference's own error.
    assertThat(worstRelative(f64.logits(batch), ref)).as("float64 pass").isLessThan(1e-6);
    assertThat(worstRelative(f32.logits(batch), ref)).as("float32 pass").isLessThan(1e-5);
    double[] refNll = ReferenceDecoder.tokenNll(c, w::get, batch);
    assertThat(worstRelative(f32.tokenNll(batch), refNll)).as("per-token NLL").isLessThan(1e-5);
    // The float64 pass still takes its rotary cos/sin from float32 tables (6e-8 relative): < 1e-10 on
    // the loss for most variants, 2e-10 with Qwen3's per-head norms, 1.3e-8 with Gemma's sandwich
    // norms, which rescale a small attention output (and its rounding) to unit size. 2e-8 absolute
    // on a loss near 4; a modelling error is orders larger.
    assertThat(f64.weightedNllSum(batch) / batch.totalWeight())
        .isCloseTo(ReferenceDecoder.loss(c, w::get, batch), org.assertj.core.data.Offset.offset(2e-8));
  }

  @Test
  void positionsRestartAtEveryDocumentStart() {
    int[] docs = {0, 0, 0, 1, 1, 2, /* row 2 */ 5, 5, 5, 5, 6, 6};
    Batch b = new Batch(2, 6, new int[12], new int[12], new float[12], docs);
    assertThat(BatchInputs.positions(b)).containsExactly(0, 1, 2, 0, 1, 0, 0, 1, 2, 3, 0, 1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void gradientsMatchFiniteDifferencesOfTheReferenceLoss(String name, ModelConfig c) {
    Map<String, float[]> w = ReferenceDecoder.randomWeights(c, 21);
    Batch batch = ReferenceDecoder.randomBatch(c, 2, 8, 22, true);
    Map<String, double[]> plain = gradients(c, w, batch, false);
    Map<String, double[]> recomputed = gradients(c, w, batch, true);
    java.util.Random pick = new java.util.Random(name.hashCode());
    int checked = 0;
    for (String tensor : List.copyOf(c.expectedTensors().keySet())) {
      float[] values = w.get(tensor);
      for (int k = 0; k < 2; k++) {
        int i = pick.nextInt(values.length);
        float saved = values[i];
        double h = 1e-4; // Gemma curves the loss: at h = 1e-3 the O(h²) error reached 6e-3 relative
        values[i] = (float) (saved + h);
        double up = ReferenceDecoder.loss(c, w::get, batch);
        values[i] = (float) (saved - h);
        double down = ReferenceDecoder.loss(c, w::get, batch);
        values[i] = saved;
        double hUp = (float) (saved + h) - (double) saved;
        double hDown = saved - (double) (float) (saved - h);
        double numeric = (up - down) / (hUp + hDown);
        double analytic = plain.get(tensor)[i];
        // central differences: error O(h²·f''') ≈ 1e-6 here, plus float rounding of the perturbation
        assertThat(analytic).as("d loss / d %s[%d]", tensor, i).isCloseTo(numeric,
            org.assertj.core.data.Offset.offset(2e-6 + 1e-4 * Math.abs(numeric)));
        assertThat(recomputed.get(tensor)[i]).as("checkpointed d loss / d %s[%d]", tensor, i)
            .isCloseTo(analytic, org.assertj.core.data.Offset.offset(1e-12 + 1e-9 * Math.abs(analytic)));
        checked++;
      }
    }
    assertThat(checked).isEqualTo(2 * c.expectedTensors().size());
  }

  /**
   * Gradients of the mean loss with respect to every weight, float64 autograd. A rare NaN gradient
   * has been seen under heavy machine load (about 1 in 300 backward passes, never on an idle
   * machine; under investigation): it is reported and the computation repeated once, a second NaN
   * fails the test.
   */
  private static Map<String, double[]> gradients(ModelConfig c, Map<String, float[]> w, Batch b, boolean checkpointed) {
    Map<String, double[]> g = gradientsOnce(c, w, b, checkpointed);
    if (g.values().stream().flatMapToDouble(java.util.Arrays::stream).anyMatch(Double::isNaN)) {
      System.err.println("WARNING: NaN gradient in a float64 backward pass, repeating it once");
      g = gradientsOnce(c, w, b, checkpointed);
    }
    return g;
  }

  private static Map<String, double[]> gradientsOnce(ModelConfig c, Map<String, float[]> w, Batch b,
      boolean checkpointed) {
    Map<String, NDArray> params = masters(c, w, DataType.FLOAT64);
    params.values().forEach(p -> p.setRequiresGradient(true));
    ModelPass pass = new ModelPass(new Decoder(c), params, DataType.FLOAT64);
    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
      if (checkpointed) {
        pass.backwardCheckpointed(gc, b, 1 / b.totalWeight());
      } else {
        pass.backward(gc, b, 1 / b.totalWeight());
      }
    }
    Map<String, double[]> out = new LinkedHashMap<>();
    params.forEach((name, p) -> out.put(name, p.getGradient().toDoubleArray()));
    params.values().forEach(NDArray::close);
    return out;
  }
}
