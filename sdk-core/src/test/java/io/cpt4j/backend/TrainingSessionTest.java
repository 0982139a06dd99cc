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

  @Test
  void aTinyLlamaMemorisesAFixedBatch() {
    ModelConfig config = TestCheckpoints.tinyLlamaGqa();
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("m"), config, 1);
        TrainingSession s = Backends.cpu().open(ckpt, SessionOptions.builder()
            .optimizer(AdamW.builder().weightDecay(0).build()).build())) {
      Batch batch = TestSessions.randomBatch(config.vocabSize(), 2, 16, 2);
      double first = s.loss(batch);
      StepResult last = null;
      int steps = 0;
      while (steps < 300 && (last == null || last.loss() > 0.05)) {
        last = s.step(List.of(batch), 1e-2);
        steps++;
        if (last.skipped()) {
          System.out.println("skipped step " + steps + ": " + last);
        }
      }
      assertThat(first).isCloseTo(Math.log(config.vocabSize()), org.assertj.core.data.Offset.offset(0.5));
      assertThat(s.loss(batch)).isLessThan(0.1);
      // A non-finite gradient skips its step instead of corrupting the weights; a rare one has been
      // seen under heavy machine load (see DecoderParityTest), so one skip is tolerated here.
      assertThat(s.steps()).isBetween(steps - 1L, (long) steps);
      System.out.println("memorised in " + steps + " steps, first loss " + first + ", last " + last);
    }
  }

  /** Deltas of every weight between two snapshots, flattened in name order. */
  static double[] delta(List<Tensor> before, List<Tensor> after) {
    int n = before.stream().mapToInt(t -> (int) t.elementCount()).sum();
    double[] d = new double[n];
    int k = 0;
    for (int i = 0; i < before.size(); i++) {
      float[] a = before.get(i).toFloatArray();
      float[] b = after.get(i).toFloatArray();
      for (int j = 0; j < a.length; j++) {
        d[k++] = (double) b[j] - a[j];
      }
    }
    return d;
  }

  static Batch concatRows(Batch a, Batch b) {
    int n = a.inputIds().length;
    int[] in = new int[2 * n];
    int[] tg = new int[2 * n];
    float[] w = new float[2 * n];
    int[] docs = new int[2 * n];
    System.arraycopy(a.inputIds(), 0, in, 0, n);
    System.arraycopy(b.inputIds(), 0, in, n, n);
    System.arraycopy(a.targets(), 0, tg, 0, n);
    System.arraycopy(b.targets(), 0, tg, n, n);
    System.arraycopy(a.weights(), 0, w, 0, n);
    System.arraycopy(b.weights(), 0, w, n, n);
    return new Batch(a.rows() + b.rows(), a.length(), in, tg, w, docs);
  }

  private double[] oneStepDelta(ModelConfig config, SessionOptions options, List<Batch> batches, String name) {
    return oneStepDelta(config, options, batches, name, 1e-3);
  }

  private double[] oneStepDelta(ModelConfig config, SessionOptions options, List<Batch> batches, String name,
      double lr) {
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve(name), config, 3);
        TrainingSession s = Backends.cpu().open(ckpt, options)) {
      List<Tensor> before = s.weights();
      s.step(batches, lr);
      return delta(before, s.weights());
    }
  }

  private static void assertClose(double[] actual, double[] expected, double tolerance) {
    assertThat(actual).hasSameSizeAs(expected);
    double worst = 0;
    for (int i = 0; i < actual.length; i++) {
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    }
    assertThat(worst).as("largest difference").isLessThanOrEqualTo(tolerance);
  }

  /**
   * AdamW whose first update, lr·g/(|g| + eps) with eps = 1e4 ≫ |g|, is lr·g/eps to 1e-4 relative:
   * linear in the gradient, so comparing updates compares gradients. With lr = 1e3 the updates are
   * ≈ 0.1·g, large enough for float32 weights to resolve them to ~1e-6.
   */
  private static final AdamW LINEAR = AdamW.builder().eps(1e4).weightDecay(0).maxGradNorm(0).build();
  private static final double LINEAR_LR = 1e3;

  /**
   * Asserts {@code actual ≈ factor · reference} element-wise, to {@code relTol} relative, over the
   * elements where the reference moved by more than {@code minAbs} (float32 weights cannot resolve
   * smaller updates).
   */
  private static void assertProportional(double[] actual, double[] reference, double factor, double relTol,
      double minAbs) {
    assertThat(actual).hasSameSizeAs(reference);
    int compared = 0;
    double worst = 0;
    for (int i = 0; i < actual.length; i++) {
      if (Math.abs(reference[i]) > minAbs) {
        worst = Math.max(worst, Math.abs(actual[i] - factor * reference[i]) / Math.abs(factor * reference[i]));
        compared++;
      }
    }
    assertThat(compared).as("elements compared of " + actual.length).isGreaterThan(actual.length / 4);
    assertThat(worst).as("largest relative difference").isLessThanOrEqualTo(relTol);
  }

  @Test
  void accumulatingMicroBatchesEqualsOneBatchOfAllRows() {
    ModelConfig config = TestCheckpoints.tinyNeox();
    Batch a = TestSessions.randomBatch(config.vocabSize(), 1, 12, 5);
    Batch b = TestSessions.randomBatch(config.vocabSize(), 1, 12, 6).withWeights(constant(12, 0.5f));
    SessionOptions opts = SessionOptions.defaults();
    double[] accumulated = oneStepDelta(config, opts, List.of(a, b), "acc");
    double[] whole = oneStepDelta(config, opts, List.of(concatRows(a, b)), "whole");
    // Adam's first step is ~lr·sign(g): identical gradients give identical updates (float32 noise).
    assertClose(accumulated, whole, 1e-6);
  }

  @Test
  void activationCheckpointingGivesTheSameUpdate() {
    for (ModelConfig config : List.of(TestCheckpoints.tinyLlamaGqa(), TestCheckpoints.tinyNeox())) {
      Batch batch = TestSessions.randomBatch(config.vocabSize(), 2, 10, 7);
      SessionOptions opts = SessionOptions.builder().optimizer(LINEAR).build();
      double[] plain = oneStepDelta(config, opts, List.of(batch), "plain-" + config.modelType(), LINEAR_LR);
      double[] recomputed = oneStepDelta(config, opts.newBuilder().activationCheckpointing(true).build(),
          List.of(batch), "ckpt-" + config.modelType(), LINEAR_LR);
      assertProportional(recomputed, plain, 1.0, 2e-3, 1e-4);
    }
  }

  @Test
  void clippingScalesTheGradientToTheMaximumNorm() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Batch batch = TestSessions.randomBatch(config.vocabSize(), 2, 10, 8);
    AdamW linear = LINEAR;
    double norm;
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("n"), config, 3);
        TrainingSession s = Backends.cpu().open(ckpt, SessionOptions.builder().optimizer(linear).build())) {
      norm = s.step(List.of(batch), LINEAR_LR).gradNorm();
    }
    assertThat(norm).isGreaterThan(0);
    double[] free = oneStepDelta(config, SessionOptions.builder().optimizer(linear).build(), List.of(batch), "free",
        LINEAR_LR);
    double[] clipped = oneStepDelta(config,
        SessionOptions.builder().optimizer(linear.newBuilder().maxGradNorm(norm / 4).build()).build(), List.of(batch),
        "clipped", LINEAR_LR);
    // clip coefficient max / (norm + 1e-6), as torch.nn.utils.clip_grad_norm_
    assertProportional(clipped, free, (norm / 4) / (norm + 1e-6), 2e-3, 1e-4);
  }

  @Test
  void decoupledWeightDecayShrinksUnusedEmbeddingRowsExactly() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    int[][] seq = {{1, 2, 3, 4, 5, 6}}; // rows >= 7 of the embedding get no gradient
    Batch batch = Batch.causalLm(seq);
    for (boolean decayEmbeddings : new boolean[] {true, false}) {
      AdamW opt = AdamW.builder().weightDecay(0.1).decayEmbeddings(decayEmbeddings).build();
      try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("wd" + decayEmbeddings), config, 4);
          TrainingSession s = Backends.cpu().open(ckpt, SessionOptions.builder().optimizer(opt).build())) {
        float[] before = s.weights().getFirst().toFloatArray();
        s.step(List.of(batch), 0.5);
        float[] after = s.weights().getFirst().toFloatArray();
        int h = config.hiddenSize();
        for (int i = 7 * h; i < before.length; i++) {
          float expected = decayEmbeddings ? (float) (before[i] * (1 - 0.5 * 0.1)) : before[i];
          assertThat(after[i]).as("embedding element %d", i).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-7f));
        }
        // Used rows move by about lr (Adam's first step is lr·m̂/√v̂ = lr·sign(g)).
        double moved = Math.abs(after[h] - before[h] * (decayEmbeddings ? 0.95 : 1.0));
        assertThat(moved).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-3));
      }
    }
  }

  @Test
  void mixedPrecisionTrainsAndTracksTheFloat32Loss() {
    ModelConfig config = TestCheckpoints.tinyLlamaGqa();
    Batch batch = TestSessions.randomBatch(config.vocabSize(), 2, 16, 9);
    SessionOptions fp16 = SessionOptions.builder().precision(Precision.FP16_MIXED)
        .optimizer(AdamW.builder().weightDecay(0).build()).build();
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("h"), config, 1);
        TrainingSession half = Backends.cpu().open(ckpt, fp16);
        TrainingSession full = Backends.cpu().open(ckpt, SessionOptions.defaults())) {
      assertThat(half.loss(batch)).isCloseTo(full.loss(batch), org.assertj.core.data.Offset.offset(1e-2));
      double start = half.loss(batch);
      int skipped = 0;
      for (int i = 0; i < 40; i++) {
        skipped += half.step(List.of(batch), 2e-2).skipped() ? 1 : 0;
      }
      assertThat(skipped).as("overflow-skipped steps").isLessThanOrEqualTo(3);
      assertThat(half.loss(batch)).isLessThan(start / 3);
    }
  }

  @Test
  void anOverflowSkipsTheStepAndHalvesTheScaleThenCleanStepsGrowIt() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Batch batch = TestSessions.randomBatch(config.vocabSize(), 1, 8, 10);
    SessionOptions opts = SessionOptions.builder().precision(Precision.FP16_MIXED)
        .lossScaling(LossScaling.builder().initialScale(Math.pow(2, 40)).growthInterval(3).build()).build();
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("o"), config, 1);
        TrainingSession s = Backends.cpu().open(ckpt, opts)) {
      List<Tensor> before = s.weights();
      StepResult first = s.step(List.of(batch), 1e-3);
      assertThat(first.skipped()).isTrue();
      assertThat(first.lossScale()).isEqualTo(Math.pow(2, 40));
      assertThat(delta(before, s.weights())).containsOnly(0.0);
      assertThat(s.steps()).isZero();
      double scale = Math.pow(2, 40);
      StepResult r;
      do { // back off until the scaled gradients fit in float16
        scale /= 2;
        r = s.step(List.of(batch), 1e-3);
        assertThat(r.lossScale()).isEqualTo(scale);
      } while (r.skipped());
      assertThat(scale).isLessThan(Math.pow(2, 30));
      s.step(List.of(batch), 1e-3);
      s.step(List.of(batch), 1e-3); // third clean step in a row: the scale doubles
      assertThat(s.step(List.of(batch), 1e-3).lossScale()).isEqualTo(scale * 2);
    }
  }

  @Test
  void savedWeightsReloadToTheSameLoss() {
    ModelConfig config = TestCheckpoints.tinyNeox();
    Batch batch = TestSessions.randomBatch(config.vocabSize(), 2, 8, 11);
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("s"), config, 2);
        TrainingSession s = Backends.cpu().open(ckpt, SessionOptions.defaults())) {
      s.step(List.of(batch), 1e-2);
      CheckpointWriter.to(tmp.resolve("saved")).copyFilesFrom(ckpt).write(s.weights());
      try (Checkpoint saved = Checkpoint.open(tmp.resolve("saved"));
          TrainingSession t = Backends.cpu().open(saved, SessionOptions.defaults())) {
        assertThat(t.loss(batch)).isEqualTo(s.loss(batch));
        assertThat(saved.tensors()).extracting(i -> i.name()).containsExactlyElementsOf(config.expectedTensors().keySet());
      }
    }
  }

  @Test
  void badInputIsRejectedWithAClearError() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("e"), config, 1)) {
      TrainingSession s = Backends.cpu().open(ckpt, SessionOptions.defaults());
      assertThatThrownBy(() -> s.step(List.of(), 1e-3)).hasMessageContaining("at least one micro-batch");
      assertThatThrownBy(() -> s.step(List.of(Batch.causalLm(new int[][] {{1, config.vocabSize()}})), 1e-3))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the vocabulary");
      assertThatThrownBy(() -> s.step(List.of(TestSessions.randomBatch(config.vocabSize(), 1, 4, 1)), Double.NaN))
          .hasMessageContaining("learning rate");
      s.close();
      assertThatThrownBy(() -> s.loss(TestSessions.randomBatch(config.vocabSize(), 1, 4, 1)))
          .isInstanceOf(BackendException.class).hasMessageContaining("closed");
    }
  }

  private static float[] constant(int n, float v) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, v);
    return a;
  }
}
