package io.cpt4j.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.Regularizer;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.engine.internal.DjlSupport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The KL and logit-swap terms in float64: each term's value equals an independent float64
 * implementation of its formula (softmax of the logits in Java, the swap done by hand) to 1e-10
 * relative, and the gradient they add equals central finite differences of that reference along a
 * random direction to 1e-6 relative.
 */
class SelfDistillationTest {
  private static final ModelConfig CONFIG = TestCheckpoints.tinyLlamaGqa();
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

  static Stream<Arguments> terms() {
    return Stream.of(Arguments.of(Regularizer.kl(0.7).temperature(2).onSources("general")),
        Arguments.of(Regularizer.kl(1.5)), Arguments.of(Regularizer.logitSwap(0.5).onSources("general")),
        Arguments.of(Regularizer.logitSwap(1).temperature(1.5)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("terms")
  void theTermAndItsGradientMatchTheFloat64Formula(Regularizer reg) {
    Map<String, double[]> model = weights(1);
    Map<String, double[]> base = weights(2);
    Batch b = batch();
    Decoder decoder = new Decoder(CONFIG);
    double[] teacher = logits(decoder, base, b);
    double reference = referenceSum(teacher, logits(decoder, model, b), b, reg);
    assertThat(reference).isGreaterThan(1e-3);

    SelfDistillation distill = new SelfDistillation(decoder, arrays(base, false), DataType.FLOAT64, List.of(reg));
    Map<String, NDArray> params = arrays(model, true);
    ModelPass pass = new ModelPass(decoder, params, DataType.FLOAT64);
    Map<String, double[]> with = gradients(pass, params, b, distill);
    List<List<NDArray>> drained = distill.drain();
    assertThat(drained.getFirst()).hasSize(1);
    double value = drained.getFirst().getFirst().getDouble();
    drained.getFirst().getFirst().close();
    assertThat(value).isCloseTo(reference, org.assertj.core.data.Offset.offset(1e-10 * reference));
    Map<String, double[]> without = gradients(pass, params, b, null);

    // directional derivative of Σ m·KL along a random d, from the gradient the term added ...
    Random r = new Random(7);
    Map<String, double[]> d = new LinkedHashMap<>();
    double analytic = 0;
    double factor = reg.weight() * reg.temperature() * reg.temperature();
    for (String name : model.keySet()) {
      double[] dir = new double[model.get(name).length];
      for (int i = 0; i < dir.length; i++) {
        dir[i] = r.nextGaussian();
        analytic += (with.get(name)[i] - without.get(name)[i]) / factor * dir[i];
      }
      d.put(name, dir);
    }
    // ... and from central differences of the reference formula
    double eps = 1e-5;
    double plus = referenceSum(teacher, logits(decoder, shifted(model, d, eps), b), b, reg);
    double minus = referenceSum(teacher, logits(decoder, shifted(model, d, -eps), b), b, reg);
    double numeric = (plus - minus) / (2 * eps);
    assertThat(analytic).isCloseTo(numeric, org.assertj.core.data.Offset.offset(1e-6 * Math.abs(numeric)));
    params.values().forEach(NDArray::close);
  }

  @Test
  void rowsOfOtherSourcesAreNotRegularizedAndUnnamedRowsAreRefused() {
    Batch b = batch();
    float[] m = SelfDistillation.mask(b, Regularizer.kl(1).onSources("code"));
    for (int i = 0; i < m.length; i++) {
      assertThat(m[i]).isEqualTo(i >= b.length() ? b.weights()[i] : 0f);
    }
    assertThat(SelfDistillation.mask(b, Regularizer.kl(1).onSources("web"))).isNull();
    Batch unnamed = b.withRowSources(List.of());
    assertThat(SelfDistillation.mask(unnamed, Regularizer.kl(1))).hasSize(b.rows() * b.length());
    assertThatThrownBy(() -> SelfDistillation.mask(unnamed, Regularizer.kl(1).onSources("code")))
        .hasMessageContaining("needs each row's source");
  }

  /** Two rows, general then code, with an ignored target and a weight of 0.5. */
  private static Batch batch() {
    Random r = new Random(3);
    int[][] seqs = new int[2][9];
    for (int[] s : seqs) {
      for (int i = 0; i < s.length; i++) {
        s[i] = r.nextInt(CONFIG.vocabSize());
      }
    }
    Batch b = Batch.causalLm(seqs);
    int[] targets = b.targets().clone();
    targets[3] = Batch.IGNORE;
    float[] w = b.weights().clone();
    w[5] = 0.5f;
    return b.withTargets(targets).withWeights(w).withRowSources(List.of("general", "code"));
  }

  /** Σ_i m_i · KL(teacher_i ‖ student_i) at the regularizer's temperature, in plain Java. */
  private static double referenceSum(double[] teacher, double[] student, Batch b, Regularizer reg) {
    int vocab = CONFIG.vocabSize();
    double total = 0;
    for (int i = 0; i < b.rows() * b.length(); i++) {
      boolean applies = reg.appliesTo(b.rowSources().get(i / b.length()));
      if (!applies || b.targets()[i] == Batch.IGNORE) {
        continue;
      }
      double[] t = new double[vocab];
      double[] s = new double[vocab];
      System.arraycopy(teacher, i * vocab, t, 0, vocab);
      System.arraycopy(student, i * vocab, s, 0, vocab);
      if (reg.kind() == Regularizer.Kind.LOGIT_SWAP) {
        int top = 0;
        for (int v = 1; v < vocab; v++) {
          top = t[v] > t[top] ? v : top;
        }
        int y = b.targets()[i];
        double keep = t[y];
        t[y] = t[top];
        t[top] = keep;
      }
      double[] logP = logSoftmax(t, reg.temperature());
      double[] logQ = logSoftmax(s, reg.temperature());
      double kl = 0;
      for (int v = 0; v < vocab; v++) {
        kl += Math.exp(logP[v]) * (logP[v] - logQ[v]);
      }
      total += b.weights()[i] * kl;
    }
    return total;
  }

  private static double[] logSoftmax(double[] z, double temperature) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : z) {
      max = Math.max(max, x / temperature);
    }
    double sum = 0;
    for (double x : z) {
      sum += Math.exp(x / temperature - max);
    }
    double log = max + Math.log(sum);
    double[] out = new double[z.length];
    for (int v = 0; v < z.length; v++) {
      out[v] = z[v] / temperature - log;
    }
    return out;
  }

  private static Map<String, double[]> gradients(ModelPass pass, Map<String, NDArray> params, Batch b,
      SelfDistillation distill) {
    try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
      pass.backward(gc, b, 1.0, null, distill);
    }
    Map<String, double[]> out = new LinkedHashMap<>();
    params.forEach((name, p) -> {
      out.put(name, p.getGradient().toDoubleArray());
      ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p);
    });
    return out;
  }

  /** Logits (B·T × V) of float64 weights {@code w}, without autograd. */
  private static double[] logits(Decoder decoder, Map<String, double[]> w, Batch b) {
    Map<String, NDArray> a = arrays(w, false);
    try (NDScope scope = new NDScope()) {
      BatchInputs in = decoder.inputs(manager, b, decoder.ropeTables(manager, DataType.FLOAT64));
      return decoder.logits(ModelPass.weights(a, DataType.FLOAT64), in).toDoubleArray();
    } finally {
      a.values().forEach(NDArray::close);
    }
  }

  /** Normal(0, 0.3) weights, unit norms: distinct, peaked next-token distributions. */
  private static Map<String, double[]> weights(long seed) {
    Random r = new Random(seed);
    Map<String, double[]> w = new LinkedHashMap<>();
    CONFIG.expectedTensors().forEach((name, shape) -> {
      double[] data = new double[Math.toIntExact(shape.stream().mapToLong(Long::longValue).reduce(1, (x, y) -> x * y))];
      boolean norm = name.contains("norm") && name.endsWith(".weight");
      for (int i = 0; i < data.length; i++) {
        data[i] = norm ? 1 : r.nextGaussian() * 0.3;
      }
      w.put(name, data);
    });
    return w;
  }

  private static Map<String, double[]> shifted(Map<String, double[]> w, Map<String, double[]> d, double eps) {
    Map<String, double[]> out = new LinkedHashMap<>();
    w.forEach((name, x) -> {
      double[] y = x.clone();
      for (int i = 0; i < y.length; i++) {
        y[i] += eps * d.get(name)[i];
      }
      out.put(name, y);
    });
    return out;
  }

  private static Map<String, NDArray> arrays(Map<String, double[]> w, boolean grad) {
    Map<String, NDArray> m = new LinkedHashMap<>();
    CONFIG.expectedTensors().forEach((name, shape) -> {
      NDArray a = manager.create(w.get(name), new Shape(shape.stream().mapToLong(Long::longValue).toArray()));
      a.setRequiresGradient(grad);
      m.put(name, a);
    });
    return m;
  }
}
