package io.cpt4j.onnx.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.onnx.Generation;
import org.junit.jupiter.api.Test;

/** Greedy, temperature, top-k and top-p selection against the distributions they define. */
class TokenSamplerTest {
  private static final float[] LOGITS = {1.0f, 3.0f, 2.0f, 0.5f, 2.9f};

  @Test
  void greedyIsTheArgmaxWithTheLowestIdOnTies() {
    assertThat(new TokenSampler(Generation.greedy(1)).next(LOGITS)).isEqualTo(1);
    assertThat(new TokenSampler(Generation.greedy(1)).next(new float[] {0, 5, 5})).isEqualTo(1);
    Generation topOne = Generation.builder().maxNewTokens(1).temperature(1).topK(1).build();
    assertThat(new TokenSampler(topOne).next(LOGITS)).isEqualTo(1);
  }

  @Test
  void samplingFollowsTheSoftmaxAtTheTemperature() {
    double t = 0.7;
    int[] counts = draw(Generation.builder().maxNewTokens(1).temperature(t).seed(1).build(), 200_000);
    double z = 0;
    for (float l : LOGITS) {
      z += Math.exp(l / t);
    }
    for (int i = 0; i < LOGITS.length; i++) {
      double p = Math.exp(LOGITS[i] / t) / z;
      // 5 standard deviations of a binomial count
      assertThat((double) counts[i]).as("token %d", i).isCloseTo(p * 200_000, org.assertj.core.data.Offset.offset(
          5 * Math.sqrt(200_000 * p * (1 - p)) + 1));
    }
  }

  @Test
  void topKKeepsTheKMostLikely() {
    int[] counts = draw(Generation.builder().maxNewTokens(1).temperature(1).topK(2).seed(2).build(), 20_000);
    assertThat(counts[0] + counts[2] + counts[3]).isZero();
    assertThat(counts[1]).isGreaterThan(counts[4]).isGreaterThan(0); // e^3 : e^2.9
  }

  @Test
  void topKOrdersNegativeLogitsAndTies() {
    float[] logits = {-1f, -3f, 0.5f, -0.2f, 0.5f, -0.0f};
    int[] counts = new int[logits.length];
    TokenSampler s = new TokenSampler(Generation.builder().maxNewTokens(1).temperature(1).topK(4).seed(4).build());
    for (int i = 0; i < 20_000; i++) {
      counts[s.next(logits)]++;
    }
    assertThat(counts[0]).as("-1 is fifth").isZero();
    assertThat(counts[1]).as("-3 is last").isZero();
    assertThat(counts[2]).isPositive();
    assertThat(counts[4]).isPositive();
    assertThat(counts[5]).isPositive();
    assertThat(counts[3]).isPositive();
    assertThat(counts[5]).as("-0 above -0.2").isGreaterThan(counts[3]);
  }

  @Test
  void topPKeepsTheSmallestPrefixReachingP() {
    // softmax of LOGITS at t=1: 0.356 (id 1), 0.322 (id 4), 0.131 (id 2), 0.048 (id 0), 0.029 (id 3)
    int[] counts = draw(Generation.builder().maxNewTokens(1).temperature(1).topP(0.6).seed(3).build(), 20_000);
    assertThat(counts[0] + counts[2] + counts[3]).isZero();
    assertThat(counts[1]).isPositive();
    assertThat(counts[4]).isPositive();
    int[] onlyTop = draw(Generation.builder().maxNewTokens(1).temperature(1).topP(0.3).seed(3).build(), 1_000);
    assertThat(onlyTop[1]).isEqualTo(1_000);
  }

  @Test
  void theSameSeedGivesTheSameDraws() {
    Generation g = Generation.builder().maxNewTokens(1).temperature(1.3).topK(4).topP(0.95).seed(99).build();
    TokenSampler a = new TokenSampler(g);
    TokenSampler b = new TokenSampler(g);
    for (int i = 0; i < 100; i++) {
      assertThat(a.next(LOGITS)).isEqualTo(b.next(LOGITS));
    }
  }

  private static int[] draw(Generation g, int n) {
    TokenSampler s = new TokenSampler(g);
    int[] counts = new int[LOGITS.length];
    for (int i = 0; i < n; i++) {
      counts[s.next(LOGITS)]++;
    }
    return counts;
  }
}
