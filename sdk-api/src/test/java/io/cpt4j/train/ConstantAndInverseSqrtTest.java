package io.cpt4j.train;

import static io.cpt4j.train.LrAssert.assertLr;
import static io.cpt4j.train.LrAssert.assertMatches;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConstantAndInverseSqrtTest {
  @Test
  void constantIsTheSameAtEveryStepEvenWithoutAKnownTotal() {
    LrSchedule s = LrSchedule.constant(1e-4);
    assertMatches(s, 1_000, new long[] {}, step -> 1e-4);
    assertThat(s.lr(0, LrSchedule.UNBOUNDED)).isEqualTo(1e-4);
    assertThat(s.lr(5_000_000_000L, LrSchedule.UNBOUNDED)).isEqualTo(1e-4);
    assertThat(s.needsTotalSteps()).isFalse();
  }

  @Test
  void constantWithWarmupRampsLinearlyFromZeroThenHolds() {
    LrSchedule s = Rewarm.to(2e-4).warmupSteps(40).constant();
    assertThat(s.lr(0, 100)).isEqualTo(0.0);
    assertMatches(s, 100, new long[] {40}, step -> step < 40 ? 2e-4 * step / 40 : 2e-4);
    assertMatches(s, LrSchedule.UNBOUNDED, new long[] {40}, step -> step < 40 ? 2e-4 * step / 40 : 2e-4);
  }

  @Test
  void constantWithAFractionWarmupNeedsTheTotal() {
    LrSchedule s = Rewarm.to(2e-4).warmupFraction(0.02).constant();
    assertThat(s.needsTotalSteps()).isTrue();
    assertMatches(s, 5_000, new long[] {100}, step -> step < 100 ? 2e-4 * step / 100 : 2e-4);
  }

  /** transformers' get_inverse_sqrt_schedule: decay = 1/sqrt((s + shift)/τ), shift = τ - W. */
  static double inverseSqrt(long s, long w, double tau, double max) {
    if (s < w) {
      return max * s / w;
    }
    double shift = tau - w;
    return max * (1.0 / Math.sqrt((s + shift) / tau));
  }

  @Test
  void inverseSqrtWithTheDefaultTimescaleIsMaxTimesSqrtOfWarmupOverStep() {
    LrSchedule s = Rewarm.to(1e-3).warmupSteps(400).inverseSqrt();
    assertThat(s.lr(400, 10_000)).isEqualTo(1e-3);
    assertLr(s, 1_600, 10_000, 1e-3 * 0.5); // sqrt(400/1600)
    assertMatches(s, 10_000, new long[] {400}, step -> step < 400 ? 1e-3 * step / 400 : 1e-3 * Math.sqrt(400.0 / step));
    assertMatches(s, LrSchedule.UNBOUNDED, new long[] {400, 1_000_000_000L}, step -> inverseSqrt(step, 400, 400, 1e-3));
  }

  @Test
  void inverseSqrtWithAnExplicitTimescaleFollowsTransformers() {
    LrSchedule s = Rewarm.to(1e-3).warmupSteps(100).inverseSqrt(1_000);
    assertMatches(s, 50_000, new long[] {100}, step -> inverseSqrt(step, 100, 1_000, 1e-3));
  }

  @Test
  void inverseSqrtWithoutWarmupUsesTimescale10000() {
    LrSchedule s = Rewarm.to(1e-3).inverseSqrt();
    assertThat(s.lr(0, 100)).isEqualTo(1e-3);
    assertMatches(s, 100_000, new long[] {10_000}, step -> inverseSqrt(step, 0, 10_000, 1e-3));
  }
}
