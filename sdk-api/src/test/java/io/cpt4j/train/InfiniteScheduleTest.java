package io.cpt4j.train;

import static io.cpt4j.train.LrAssert.assertMatches;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InfiniteScheduleTest {
  static final double MAX = 3e-4;
  static final double CONST = 1e-4;
  static final double MIN = 3e-6;

  /**
   * Ibrahim et al. 2024: warmup over W, cosine cooldown from MAX (step W) to CONST (step W + C),
   * CONST, then exponential anneal from CONST (step A) to MIN (step A + L - 1), then MIN. {@code a <
   * 0}: no anneal.
   */
  static double infinite(long s, long w, long c, long a, long l) {
    if (s < w) {
      return MAX * s / w;
    }
    if (s < w + c) {
      return CONST + (MAX - CONST) * (1 + Math.cos(Math.PI * (s - w) / c)) / 2;
    }
    if (a < 0 || s < a) {
      return CONST;
    }
    if (s >= a + l) {
      return MIN;
    }
    double p = l == 1 ? 1 : (double) (s - a) / (l - 1);
    return CONST * Math.pow(MIN / CONST, p);
  }

  @Test
  void withoutAKnownTotalItNeverAnneals() {
    InfiniteSchedule s = Rewarm.to(MAX).warmupSteps(100).cooldownTo(CONST, 1_000).withAnneal(MIN, 500);
    assertThat(s.needsTotalSteps()).isFalse();
    assertThat(s.lr(0, LrSchedule.UNBOUNDED)).isEqualTo(0.0);
    assertThat(s.lr(100, LrSchedule.UNBOUNDED)).isEqualTo(MAX);
    assertThat(s.lr(1_100, LrSchedule.UNBOUNDED)).isEqualTo(CONST);
    assertThat(s.lr(1_000_000_000_000L, LrSchedule.UNBOUNDED)).isEqualTo(CONST);
    assertMatches(s, LrSchedule.UNBOUNDED, new long[] {100, 1_100, 1L << 40}, step -> infinite(step, 100, 1_000, -1, 0));
  }

  @Test
  void withAKnownTotalItAnnealsOverTheLastStepsToMinLr() {
    InfiniteSchedule s = Rewarm.to(MAX).warmupSteps(100).cooldownTo(CONST, 1_000).withAnneal(MIN, 500);
    long t = 20_000;
    assertThat(s.annealStartFor(t)).isEqualTo(19_500);
    assertThat(s.lr(19_500, t)).isEqualTo(CONST);
    assertThat(s.lr(t - 1, t)).isEqualTo(MIN);
    assertMatches(s, t, new long[] {100, 1_100, 19_500}, step -> infinite(step, 100, 1_000, 19_500, 500));
  }

  @Test
  void anExplicitAnnealStartWorksWithoutATotalAndHoldsMinLrAfterwards() {
    InfiniteSchedule s = Rewarm.to(MAX).warmupSteps(100).cooldownTo(CONST, 1_000).withAnneal(MIN, 500)
        .withAnnealStart(7_000);
    assertThat(s.lr(7_499, LrSchedule.UNBOUNDED)).isEqualTo(MIN);
    assertThat(s.lr(9_000_000, LrSchedule.UNBOUNDED)).isEqualTo(MIN);
    assertMatches(s, LrSchedule.UNBOUNDED, new long[] {100, 1_100, 7_000, 7_499, 7_500},
        step -> infinite(step, 100, 1_000, 7_000, 500));
    // with a known total, the explicit start wins, also when the run ends mid-anneal
    assertMatches(s, 7_200, new long[] {100, 1_100, 7_000}, step -> infinite(step, 100, 1_000, 7_000, 500));
  }

  @Test
  void linearAnnealAndOneStepPhases() {
    InfiniteSchedule s = Rewarm.to(MAX).warmupSteps(1).cooldownTo(CONST, 1).withAnneal(MIN, 1)
        .withAnnealShape(DecayShape.LINEAR);
    // step 0: warmup, 1: cooldown start (MAX), 2..8: CONST, 9: the one anneal step at MIN
    assertThat(new double[] {s.lr(0, 10), s.lr(1, 10), s.lr(2, 10), s.lr(8, 10), s.lr(9, 10)})
        .containsExactly(0.0, MAX, CONST, CONST, MIN);
    InfiniteSchedule linear = s.withAnneal(MIN, 40);
    assertMatches(linear, 100, new long[] {1, 2, 60}, step -> step >= 60
        ? MIN + (CONST - MIN) * (1 - (step - 60) / 39.0) : infinite(step, 1, 1, -1, 0));
  }

  @Test
  void withoutCooldownTheConstantFollowsTheWarmup() {
    InfiniteSchedule s = Rewarm.to(CONST).warmupSteps(10).cooldownTo(CONST, 0);
    assertThat(s.lr(9, 100)).isEqualTo(CONST * 9 / 10);
    assertThat(s.lr(10, 100)).isEqualTo(CONST);
    assertThat(s.lr(99, 100)).isEqualTo(CONST);
  }

  @Test
  void theAnnealMustNotStartBeforeTheCooldownEnds() {
    InfiniteSchedule s = Rewarm.to(MAX).warmupSteps(100).cooldownTo(CONST, 1_000).withAnneal(MIN, 500);
    assertThatThrownBy(() -> s.withAnnealStart(1_099)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("annealStart");
    assertThatThrownBy(() -> s.lr(0, 1_599)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("annealSteps");
    assertThat(s.lr(1_099, 1_600)).isGreaterThan(CONST);
    assertThat(s.lr(1_100, 1_600)).isEqualTo(CONST);
  }

  @Test
  void describesItself() {
    assertThat(Rewarm.to(MAX).warmupSteps(100).cooldownTo(CONST, 1_000).withAnneal(MIN, 500).describe())
        .isEqualTo("linear warmup over 100 steps from 0.0 to 3.0E-4, then cosine cooldown over 1000 steps to 1.0E-4,"
            + " then constant 1.0E-4, then exponential anneal to 3.0E-6 over 500 steps at the end of the run");
  }
}
