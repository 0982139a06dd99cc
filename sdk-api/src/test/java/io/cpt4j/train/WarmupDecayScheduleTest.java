package io.cpt4j.train;

import static io.cpt4j.train.LrAssert.assertLr;
import static io.cpt4j.train.LrAssert.assertMatches;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WarmupDecayScheduleTest {
  /** Linear warmup from a to M over W steps, then cosine from M at step W to m at step T-1. */
  static double cosine(long s, long T, long W, double a, double M, double m) {
    if (s < W) {
      return a + (M - a) * s / W;
    }
    double p = (W == T - 1) ? 1 : (double) (s - W) / (T - 1 - W);
    return m + (M - m) * (1 + Math.cos(Math.PI * p)) / 2;
  }

  static double linear(long s, long T, long W, double a, double M, double m) {
    if (s < W) {
      return a + (M - a) * s / W;
    }
    double p = (W == T - 1) ? 1 : (double) (s - W) / (T - 1 - W);
    return m + (M - m) * (1 - p);
  }

  @Test
  void cosineByHandOverFiveSteps() {
    LrSchedule s = Rewarm.to(1.0).warmupSteps(2).cosineTo(0.0);
    assertThat(s.lr(0, 5)).isEqualTo(0.0);
    assertThat(s.lr(1, 5)).isEqualTo(0.5);
    assertThat(s.lr(2, 5)).isEqualTo(1.0);
    assertThat(s.lr(3, 5)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(s.lr(4, 5)).isEqualTo(0.0);
  }

  @Test
  void stepZeroRunsAtZeroThePeakAtTheEndOfWarmupAndMinLrAtTheLastStep() {
    LrSchedule s = Rewarm.to(3e-4).warmupSteps(100).cosineTo(3e-5);
    assertThat(s.lr(0, 10_000)).isEqualTo(0.0);
    assertThat(s.lr(100, 10_000)).isEqualTo(3e-4);
    assertThat(s.lr(9_999, 10_000)).isEqualTo(3e-5);
  }

  @Test
  void cosineMatchesTheClosedFormAtBoundariesAndRandomSteps() {
    long[][] runs = {{10_000, 100}, {10_000, 0}, {10_000, 1}, {7, 6}, {1, 0}, {2, 1}, {2, 0}, {3, 1}, {123_457, 1_234}};
    for (long[] run : runs) {
      long t = run[0];
      long w = run[1];
      LrSchedule s = Rewarm.to(3e-4).warmupSteps(w).cosineTo(3e-5);
      assertMatches(s, t, new long[] {w}, step -> cosine(step, t, w, 0, 3e-4, 3e-5));
    }
  }

  @Test
  void linearMatchesTheClosedForm() {
    for (long[] run : new long[][] {{10_000, 100}, {500, 0}, {5, 4}}) {
      long t = run[0];
      long w = run[1];
      LrSchedule s = Rewarm.to(6e-4).warmupSteps(w).linearTo(0);
      assertMatches(s, t, new long[] {w}, step -> linear(step, t, w, 0, 6e-4, 0));
    }
  }

  @Test
  void warmupCanStartFromANonZeroLearningRate() {
    LrSchedule s = Rewarm.to(3e-4).from(3e-5).warmupSteps(50).cosineTo(3e-5);
    assertThat(s.lr(0, 1_000)).isEqualTo(3e-5);
    assertMatches(s, 1_000, new long[] {50}, step -> cosine(step, 1_000, 50, 3e-5, 3e-4, 3e-5));
  }

  @Test
  void warmupFractionRoundsToTheNearestStepAndIsAtLeastOne() {
    // 1% of 1000 = 10; 0.5% of 300 = 1.5 -> 2; 0.07 of 100 = 7.000000000000001 -> 7; 0.1% of 100 = 0.1 -> 1
    long[][] cases = {{1_000, 10}, {300, 2}, {100, 7}, {100, 1}, {10_000, 50}};
    double[] fractions = {0.01, 0.005, 0.07, 0.001, 0.005};
    for (int i = 0; i < cases.length; i++) {
      long t = cases[i][0];
      long w = cases[i][1];
      LrSchedule s = Rewarm.to(1e-3).warmupFraction(fractions[i]).cosineTo(1e-4);
      assertThat(s.lr(w - 1, t)).as("fraction %s of %d", fractions[i], t).isLessThan(1e-3);
      assertThat(s.lr(w, t)).as("fraction %s of %d", fractions[i], t).isEqualTo(1e-3);
      assertMatches(s, t, new long[] {w}, step -> cosine(step, t, w, 0, 1e-3, 1e-4));
    }
  }

  @Test
  void warmupReadsValuesBelowOneAsFractionsAndWholeNumbersAsSteps() {
    assertThat(Rewarm.to(1e-3).warmup(0.01).warmup()).isEqualTo(Span.fraction(0.01));
    assertThat(Rewarm.to(1e-3).warmup(500).warmup()).isEqualTo(Span.steps(500));
    assertThat(Rewarm.to(1e-3).warmup(1).warmup()).isEqualTo(Span.steps(1));
    assertThat(Rewarm.to(1e-3).warmup(0).warmup()).isEqualTo(Span.NONE);
  }

  @Test
  void oneMinusSqrtAndExponentialShapesMatchTheirClosedForms() {
    long t = 2_000;
    long w = 20;
    LrSchedule sqrt = Rewarm.to(1e-3).warmupSteps(w).decayTo(1e-5, DecayShape.ONE_MINUS_SQRT);
    assertMatches(sqrt, t, new long[] {w}, s -> s < w ? 1e-3 * s / w
        : 1e-5 + (1e-3 - 1e-5) * (1 - Math.sqrt((double) (s - w) / (t - 1 - w))));
    LrSchedule exp = Rewarm.to(1e-3).warmupSteps(w).decayTo(1e-5, DecayShape.EXPONENTIAL);
    assertMatches(exp, t, new long[] {w}, s -> s < w ? 1e-3 * s / w
        : 1e-3 * Math.pow(1e-5 / 1e-3, (double) (s - w) / (t - 1 - w)));
  }

  @Test
  void aRunWhoseOnlyPostWarmupStepIsTheLastTakesItAtMinLr() {
    LrSchedule s = Rewarm.to(1.0).warmupSteps(3).cosineTo(0.25);
    assertLr(s, 2, 4, 2.0 / 3);
    assertThat(s.lr(3, 4)).isEqualTo(0.25);
  }

  @Test
  void describesItself() {
    assertThat(Rewarm.to(3e-4).warmupFraction(0.01).cosineTo(3e-5).describe())
        .isEqualTo("linear warmup over 1% of steps from 0.0 to 3.0E-4, then cosine decay to 3.0E-5 at the last step");
    assertThat(Rewarm.to(3e-4).linearTo(0).describe()).isEqualTo("linear decay from 3.0E-4 to 0.0 at the last step");
  }
}
