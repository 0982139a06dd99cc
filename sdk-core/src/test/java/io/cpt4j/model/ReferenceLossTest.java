package io.cpt4j.model;

import static io.cpt4j.model.ReferenceDecoder.randomBatch;
import static io.cpt4j.model.ReferenceDecoder.randomWeights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.backend.Batch;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The loss and per-token NLL of the reference, its input checks, and the random fixtures it offers. */
class ReferenceLossTest {
  private final ModelConfig c = TestCheckpoints.tinyQwen2();
  private final Map<String, float[]> w = randomWeights(c, 21);
  private final Batch b = randomBatch(c, 3, 8, 22, true);

  private Batch withWeights(float[] weights) {
    return b.withWeights(weights);
  }

  @Test
  void tokenNllIsLogSumExpOfTheLogitsMinusTheTargetLogitAndZeroWhereIgnored() {
    double[] logits = ReferenceDecoder.logits(c, w::get, b);
    double[] nll = ReferenceDecoder.tokenNll(c, w::get, b);
    int v = c.vocabSize();
    for (int i = 0; i < nll.length; i++) {
      if (b.targets()[i] == Batch.IGNORE) {
        assertThat(nll[i]).isZero();
        continue;
      }
      double sum = 0; // the logits are O(1): the textbook form is safe here
      for (int k = 0; k < v; k++) {
        sum += Math.exp(logits[i * v + k]);
      }
      assertThat(nll[i]).isCloseTo(Math.log(sum) - logits[i * v + b.targets()[i]], within(1e-13)).isPositive();
    }
  }

  @Test
  void lossIsTheWeightedMeanOfTheTokenNllOverTargetedPositions() {
    double[] nll = ReferenceDecoder.tokenNll(c, w::get, b);
    double num = 0;
    double den = 0;
    for (int i = 0; i < nll.length; i++) {
      if (b.targets()[i] != Batch.IGNORE) {
        num += b.weights()[i] * nll[i];
        den += b.weights()[i];
      }
    }
    assertThat(den).isEqualTo(b.totalWeight());
    assertThat(ReferenceDecoder.loss(c, w::get, b)).isCloseTo(num / den, within(1e-14));
  }

  @Test
  void aSingleWeightedPositionGivesExactlyItsOwnNll() {
    double[] nll = ReferenceDecoder.tokenNll(c, w::get, b);
    float[] one = new float[b.weights().length];
    one[3] = 0.7f;
    assertThat(b.targets()[3]).isNotEqualTo(Batch.IGNORE);
    assertThat(ReferenceDecoder.loss(c, w::get, withWeights(one))).isCloseTo(nll[3], within(1e-15));
  }

  @Test
  void scalingEveryWeightLeavesTheLossUnchanged() {
    float[] four = b.weights().clone();
    for (int i = 0; i < four.length; i++) {
      four[i] *= 4; // exact in float
    }
    assertThat(ReferenceDecoder.loss(c, w::get, withWeights(four)))
        .isCloseTo(ReferenceDecoder.loss(c, w::get, b), within(1e-15));
  }

  @Test
  void ignoringAPositionEqualsGivingItWeightZeroAndItsWeightThenDoesNotMatter() {
    int i = 5;
    while (b.targets()[i] == Batch.IGNORE) {
      i++;
    }
    int[] targets = b.targets().clone();
    targets[i] = Batch.IGNORE;
    float[] zero = b.weights().clone();
    zero[i] = 0;
    float[] heavy = b.weights().clone();
    heavy[i] = 1000;
    double ignored = ReferenceDecoder.loss(c, w::get, b.withTargets(targets));
    assertThat(ReferenceDecoder.loss(c, w::get, withWeights(zero))).isCloseTo(ignored, within(1e-15));
    assertThat(ReferenceDecoder.loss(c, w::get, b.withTargets(targets).withWeights(heavy))).isEqualTo(ignored);
    assertThat(ReferenceDecoder.loss(c, w::get, withWeights(heavy))).isNotCloseTo(ignored, within(1e-6));
  }

  @Test
  void twoIdenticalRowsHaveTheLossOfOne() {
    Batch one = randomBatch(c, 1, 8, 23, true);
    int[] in = concat(one.inputIds(), one.inputIds());
    int[] tg = concat(one.targets(), one.targets());
    int[] docs = concat(one.documentIds(), Arrays.stream(one.documentIds()).map(d -> d + 100).toArray());
    float[] wt = new float[16];
    System.arraycopy(one.weights(), 0, wt, 0, 8);
    System.arraycopy(one.weights(), 0, wt, 8, 8);
    Batch two = new Batch(2, 8, in, tg, wt, docs);
    assertThat(ReferenceDecoder.loss(c, w::get, two)).isCloseTo(ReferenceDecoder.loss(c, w::get, one), within(1e-14));
  }

  private static int[] concat(int[] a, int[] b) {
    int[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  @Test
  void hugeLogitsGiveAFiniteNll() {
    // logits around ±1e4 overflow a naive softmax; the shifted log-sum-exp does not
    Map<String, float[]> big = new HashMap<>(w);
    float[] emb = w.get("model.embed_tokens.weight").clone(); // tied: the head is the embedding
    for (int i = 0; i < emb.length; i++) {
      emb[i] *= 4096;
    }
    big.put("model.embed_tokens.weight", emb);
    double[] nll = ReferenceDecoder.tokenNll(c, big::get, b);
    assertThat(Arrays.stream(nll).max().orElseThrow()).isGreaterThan(100).isFinite();
    for (double x : nll) {
      assertThat(x).isFinite().isGreaterThanOrEqualTo(0);
    }
  }

  @Test
  void aBatchWithoutTargetsHasANanLoss() {
    int[] none = new int[b.targets().length];
    Arrays.fill(none, Batch.IGNORE);
    assertThat(ReferenceDecoder.loss(c, w::get, b.withTargets(none))).isNaN();
  }

  @Test
  void badInputsAreRejectedWithTheirName() {
    Map<String, float[]> missing = new HashMap<>(w);
    missing.remove("model.layers.1.mlp.up_proj.weight");
    assertThatThrownBy(() -> ReferenceDecoder.logits(c, missing::get, b)).hasMessageContaining("model.layers.1.mlp.up_proj.weight");
    Map<String, float[]> shortened = new HashMap<>(w);
    shortened.put("model.norm.weight", new float[3]);
    assertThatThrownBy(() -> ReferenceDecoder.logits(c, shortened::get, b)).hasMessageContaining("model.norm.weight");
    int[] targets = b.targets().clone();
    targets[0] = c.vocabSize();
    assertThatThrownBy(() -> ReferenceDecoder.loss(c, w::get, b.withTargets(targets))).hasMessageContaining("vocabulary");
    // GPT-NeoX has no grouped-query attention: the configuration itself refuses it.
    assertThatThrownBy(() -> TestCheckpoints.tinyNeox().newBuilder().numKvHeads(2).build())
        .isInstanceOf(io.cpt4j.checkpoint.ConfigException.class).hasMessageContaining("num_key_value_heads");
  }

  @Test
  void randomWeightsCoverEveryTensorWithNormsNearOneAndSmallNonzeroBiases() {
    for (ModelConfig config : List.of(TestCheckpoints.tinyQwen2(), TestCheckpoints.tinyNeox())) {
      Map<String, float[]> r = randomWeights(config, 5);
      assertThat(r.keySet()).containsExactlyElementsOf(config.expectedTensors().keySet());
      config.expectedTensors().forEach((name, shape) -> {
        float[] x = r.get(name);
        assertThat((long) x.length).isEqualTo(shape.stream().reduce(1L, (a, d) -> a * d));
        double mean = 0;
        for (float f : x) {
          mean += f / x.length;
        }
        if (name.contains("norm") && name.endsWith("weight")) {
          assertThat(mean).as(name).isCloseTo(1, within(0.2));
        } else {
          assertThat(Math.abs(mean)).as(name).isLessThan(0.05);
          assertThat(x).as(name).doesNotContain(0f);
        }
      });
      assertThat(randomWeights(config, 5).get(config.expectedTensors().keySet().iterator().next()))
          .containsExactly(r.get(config.expectedTensors().keySet().iterator().next()));
    }
  }

  @Test
  void randomPackedBatchesHoldTwoOrThreeDocumentsPerRowWithTargetsInsideEach() {
    Batch p = randomBatch(c, 5, 12, 30, true);
    boolean sawZero = false;
    for (int r = 0; r < 5; r++) {
      long docs = Arrays.stream(p.documentIds(), r * 12, r * 12 + 12).distinct().count();
      assertThat(docs).isBetween(2L, 3L);
      for (int t = 0; t < 12; t++) {
        int i = r * 12 + t;
        boolean docEnd = t == 11 || p.documentIds()[i + 1] != p.documentIds()[i];
        assertThat(p.targets()[i]).isEqualTo(docEnd ? Batch.IGNORE : p.inputIds()[i + 1]);
        assertThat(p.inputIds()[i]).isBetween(0, c.vocabSize() - 1);
        float wt = p.weights()[i];
        assertThat(wt == 0 || (wt >= 0.5f && wt <= 1.5f)).isTrue();
        sawZero |= wt == 0;
      }
    }
    assertThat(sawZero).isTrue();
    assertThat(p.documentIds()[12]).isGreaterThan(p.documentIds()[11]); // ids never repeat across rows
    Batch u = randomBatch(c, 2, 6, 31, false);
    assertThat(Arrays.stream(u.documentIds(), 0, 6).distinct().count()).isEqualTo(1);
    assertThat(u.targets()[5]).isEqualTo(Batch.IGNORE);
    assertThat(randomBatch(c, 5, 12, 30, true).inputIds()).containsExactly(p.inputIds());
  }
}
