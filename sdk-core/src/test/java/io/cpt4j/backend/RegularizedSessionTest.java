package io.cpt4j.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regularizers through the public session API: each term's reported value against a float64
 * computation from the two models' logits or weights, the L2 gradient recovered from an update, a
 * KL to an identical base that changes nothing, source filtering, and the errors. The gradients of
 * the KL terms are checked against finite differences in {@code SelfDistillationTest}.
 */
class RegularizedSessionTest {
  private static final ModelConfig CONFIG = TestCheckpoints.tinyLlamaGqa();
  @TempDir Path tmp;

  private static Batch batch() {
    return TestSessions.randomBatch(CONFIG.vocabSize(), 2, 10, 5).withRowSources(List.of("general", "code"));
  }

  @Test
  void theKlTermIsTheMeanKlOverRegularizedPositionsOfTheBaseAndModelLogits() {
    Batch b = batch();
    try (Checkpoint model = TestSessions.tinyCheckpoint(tmp.resolve("a"), CONFIG, 1);
        Checkpoint base = TestSessions.tinyCheckpoint(tmp.resolve("b"), CONFIG, 2)) {
    for (Regularizer reg : List.of(Regularizer.kl(0.5).temperature(2).onSources("code"), Regularizer.kl(1),
        Regularizer.logitSwap(0.3).onSources("general"))) {
      try (TrainingSession plainModel = Backends.cpu().open(model, SessionOptions.defaults());
          TrainingSession plainBase = Backends.cpu().open(base, SessionOptions.defaults());
          TrainingSession s = Backends.cpu().open(model, base, SessionOptions.builder()
              .regularizers(List.of(reg)).build())) {
        double expected = meanKl(plainBase.logits(b), plainModel.logits(b), b, reg);
        StepResult r = s.step(List.of(b), 0);
        assertThat(r.terms()).containsOnlyKeys(reg.kind().key());
        assertThat(r.terms().get(reg.kind().key())).as(reg.describe()).isCloseTo(expected, offset(1e-5 * expected));
        assertThat(r.loss()).isEqualTo(plainModel.loss(b)); // the loss reported stays the NLL
      }
    }
    }
  }

  @Test
  void klToAnIdenticalBaseIsZeroAndLeavesTheUpdateAsItWas() {
    Batch b = batch();
    try (Checkpoint model = TestSessions.tinyCheckpoint(tmp.resolve("a"), CONFIG, 1);
        TrainingSession plain = Backends.cpu().open(model, SessionOptions.defaults());
        TrainingSession kl = Backends.cpu().open(model, model, SessionOptions.builder()
            .regularizers(List.of(Regularizer.kl(2))).build())) {
      StepResult r = kl.step(List.of(b), 1e-3);
      StepResult p = plain.step(List.of(b), 1e-3);
      assertThat(r.terms().get("kl")).isCloseTo(0, offset(1e-6));
      assertThat(r.gradNorm()).isCloseTo(p.gradNorm(), offset(1e-5 * p.gradNorm()));
      double[] d = TrainingSessionTest.delta(plain.weights(), kl.weights());
      for (double x : d) {
        assertThat(Math.abs(x)).isLessThan(1e-6);
      }
    }
  }

  @Test
  void theL2TermIsTheSquaredDistanceToTheBaseAndItsGradientTheScaledDifference() {
    Batch b = batch();
    AdamW linear = AdamW.builder().eps(1e4).weightDecay(0).maxGradNorm(0).build(); // update = lr·g/(|g|+eps)
    double lr = 1e3;
    double weight = 3;
    try (Checkpoint model = TestSessions.tinyCheckpoint(tmp.resolve("a"), CONFIG, 1);
        Checkpoint base = TestSessions.tinyCheckpoint(tmp.resolve("b"), CONFIG, 2);
        TrainingSession plain = Backends.cpu().open(model, SessionOptions.builder().optimizer(linear).build());
        TrainingSession l2 = Backends.cpu().open(model, base, SessionOptions.builder().optimizer(linear)
            .trainable(Trainable.layers(0)).regularizers(List.of(Regularizer.l2(weight))).build())) {
      List<Tensor> a = model.tensors().stream().map(i -> model.tensor(i.name())).toList();
      List<Tensor> z = base.tensors().stream().map(i -> base.tensor(i.name())).toList();
      double expected = 0;
      for (int t = 0; t < a.size(); t++) {
        if (Trainable.layers(0).test(a.get(t).info().name())) {
          float[] x = a.get(t).toFloatArray();
          float[] y = z.get(t).toFloatArray();
          for (int i = 0; i < x.length; i++) {
            expected += ((double) x[i] - y[i]) * ((double) x[i] - y[i]);
          }
        }
      }
      StepResult r = l2.step(List.of(b), lr);
      plain.step(List.of(b), lr);
      assertThat(r.terms()).containsOnlyKeys("l2");
      assertThat(r.terms().get("l2")).isCloseTo(expected, offset(1e-6 * expected));
      // g(with) − g(without) = weight·(θ − θ_base), recovering g from each update δ: g = −δ·eps/(lr − |δ|)
      Map<String, float[]> after = Map.copyOf(byName(l2.weights()));
      Map<String, float[]> plainAfter = byName(plain.weights());
      double worst = 0;
      int compared = 0;
      for (int t = 0; t < a.size(); t++) {
        String name = a.get(t).info().name();
        float[] x = a.get(t).toFloatArray();
        float[] y = z.get(t).toFloatArray();
        if (!Trainable.layers(0).test(name)) {
          assertThat(after.get(name)).isEqualTo(x);
          continue;
        }
        for (int i = 0; i < x.length; i++) {
          double gWith = gradient(after.get(name)[i] - (double) x[i], lr, 1e4);
          double gWithout = gradient(plainAfter.get(name)[i] - (double) x[i], lr, 1e4);
          double want = weight * ((double) x[i] - y[i]);
          if (Math.abs(want) > 0.05) {
            worst = Math.max(worst, Math.abs(gWith - gWithout - want) / Math.abs(want));
            compared++;
          }
        }
      }
      assertThat(compared).isGreaterThan(1000);
      assertThat(worst).isLessThan(2e-3); // float32 weights resolve updates of ~0.1·g to ~1e-7
    }
  }

  @Test
  void badRegularizationIsRefusedWithAClearError() {
    try (Checkpoint model = TestSessions.tinyCheckpoint(tmp.resolve("a"), CONFIG, 1);
        Checkpoint other = TestSessions.tinyCheckpoint(tmp.resolve("n"), TestCheckpoints.tinyNeox(), 1)) {
      assertThatThrownBy(() -> Backends.cpu().open(model, other, SessionOptions.builder()
          .regularizers(List.of(Regularizer.kl(1))).build())).isInstanceOf(BackendException.class)
          .hasMessageContaining("does not have the trained model's tensors");
      try (TrainingSession s = Backends.cpu().open(model, model, SessionOptions.builder()
          .regularizers(List.of(Regularizer.kl(1).onSources("general"))).build())) {
        Batch unnamed = TestSessions.randomBatch(CONFIG.vocabSize(), 2, 10, 5);
        assertThatThrownBy(() -> s.step(List.of(unnamed), 1e-3)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("needs each row's source");
        assertThat(s.steps()).isZero();
        StepResult r = s.step(List.of(batch()), 1e-3); // a later good step is unaffected
        assertThat(r.terms().get("kl")).isCloseTo(0, offset(1e-6));
      }
    }
  }

  private static double gradient(double delta, double lr, double eps) {
    return -delta * eps / (lr - Math.abs(delta));
  }

  private static Map<String, float[]> byName(List<Tensor> tensors) {
    Map<String, float[]> m = new java.util.LinkedHashMap<>();
    tensors.forEach(t -> m.put(t.info().name(), t.toFloatArray()));
    return m;
  }

  /** Σ m·KL / Σ m in float64 from float32 logits, the teacher swapped for LOGIT_SWAP. */
  static double meanKl(float[] teacher, float[] student, Batch b, Regularizer reg) {
    int vocab = CONFIG.vocabSize();
    double sum = 0;
    double weights = 0;
    for (int i = 0; i < b.rows() * b.length(); i++) {
      if (!reg.appliesTo(b.rowSources().get(i / b.length())) || b.targets()[i] == Batch.IGNORE) {
        continue;
      }
      double[] t = new double[vocab];
      double[] s = new double[vocab];
      int top = 0;
      for (int v = 0; v < vocab; v++) {
        t[v] = teacher[i * vocab + v] / reg.temperature();
        s[v] = student[i * vocab + v] / reg.temperature();
        top = t[v] > t[top] ? v : top;
      }
      if (reg.kind() == Regularizer.Kind.LOGIT_SWAP) {
        double y = t[b.targets()[i]];
        t[b.targets()[i]] = t[top];
        t[top] = y;
      }
      double lt = logSumExp(t);
      double ls = logSumExp(s);
      double kl = 0;
      for (int v = 0; v < vocab; v++) {
        kl += Math.exp(t[v] - lt) * ((t[v] - lt) - (s[v] - ls));
      }
      sum += b.weights()[i] * kl;
      weights += b.weights()[i];
    }
    return sum / weights;
  }

  private static double logSumExp(double[] x) {
    double m = Double.NEGATIVE_INFINITY;
    for (double v : x) {
      m = Math.max(m, v);
    }
    double s = 0;
    for (double v : x) {
      s += Math.exp(v - m);
    }
    return m + Math.log(s);
  }
}
