package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ScheduleValidationTest {
  private static void rejects(ThrowingCallable call, String... messageParts) {
    var a = assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class);
    for (String part : messageParts) {
      a.hasMessageContaining(part);
    }
  }

  @Test
  void negativeNanAndInfiniteLearningRatesAreRejectedByName() {
    rejects(() -> Rewarm.to(-1e-4), "maxLr", "-1.0E-4");
    rejects(() -> Rewarm.to(Double.NaN), "maxLr", "NaN");
    rejects(() -> Rewarm.to(Double.POSITIVE_INFINITY), "maxLr");
    rejects(() -> Rewarm.to(1e-4).cosineTo(-1), "minLr");
    rejects(() -> Rewarm.to(1e-4).cosineTo(Double.NaN), "minLr");
    rejects(() -> Rewarm.to(1e-4).from(-1), "startLr");
    rejects(() -> LrSchedule.constant(Double.NaN), "lr");
    rejects(() -> Rewarm.to(1e-4).cooldownTo(-1, 10), "constantLr");
  }

  @Test
  void minAboveMaxIsRejected() {
    rejects(() -> Rewarm.to(1e-4).cosineTo(1e-3), "minLr", "maxLr");
    rejects(() -> Rewarm.to(1e-4).stableThenDecay(Span.steps(10), DecayShape.LINEAR, 1e-3), "minLr", "maxLr");
    rejects(() -> Rewarm.to(1e-4).from(1e-3), "startLr", "maxLr");
    rejects(() -> Rewarm.to(1e-4).cooldownTo(2e-4, 10), "constantLr", "maxLr");
    rejects(() -> Rewarm.to(1e-4).cooldownTo(1e-5, 10).withAnneal(2e-5, 10), "minLr", "constantLr");
    rejects(() -> Rewarm.to(1e-4).decayTo(0, DecayShape.EXPONENTIAL), "minLr", "exponential");
  }

  @Test
  void badWarmupLengthsAreRejected() {
    rejects(() -> Rewarm.to(1e-4).warmupSteps(-1), "warmupSteps");
    rejects(() -> Rewarm.to(1e-4).warmupFraction(1.0), "warmupFraction");
    rejects(() -> Rewarm.to(1e-4).warmupFraction(Double.NaN), "warmupFraction");
    rejects(() -> Rewarm.to(1e-4).warmup(1.5), "warmup", "1.5");
    rejects(() -> Rewarm.to(1e-4).warmup(-0.1), "warmup");
    rejects(() -> Rewarm.to(1e-4).warmupFraction(0.01).cooldownTo(1e-5, 10), "warmupSteps");
  }

  @Test
  void aWarmupAsLongAsTheRunIsRejected() {
    LrSchedule s = Rewarm.to(1e-4).warmupSteps(100).cosineTo(0);
    rejects(() -> s.lr(0, 100), "warmup", "100 steps", "shorter than the run");
    rejects(() -> s.validateFor(50), "warmup");
    rejects(() -> Rewarm.to(1e-4).warmupSteps(100).constant().lr(0, 100), "warmup");
    rejects(() -> Rewarm.to(1e-4).warmupSteps(100).inverseSqrt().lr(0, 100), "warmup");
    rejects(() -> Rewarm.to(1e-4).warmupSteps(100).cooldownTo(1e-5, 0).lr(0, 100), "warmup");
    rejects(() -> Rewarm.to(1e-4).warmupFraction(0.99).cosineTo(0).lr(0, 10), "warmup");
    rejects(() -> Rewarm.to(1e-4).warmupSteps(60).stableThenDecay(Span.steps(41), DecayShape.COSINE, 0).lr(0, 100),
        "warmup (60 steps) and decay (41 steps)");
  }

  @Test
  void stepsOutsideTheRunAreRejected() {
    LrSchedule s = Rewarm.to(1e-4).warmupSteps(10).cosineTo(0);
    rejects(() -> s.lr(-1, 100), "step -1", "[0, 100)");
    rejects(() -> s.lr(100, 100), "step 100", "[0, 100)");
    rejects(() -> s.lr(0, 0), "totalSteps");
    rejects(() -> LrSchedule.constant(1e-4).validateFor(0), "totalSteps", "got 0");
    rejects(() -> Rewarm.to(1e-4).cooldownTo(1e-5, 10).validateFor(-5), "totalSteps", "got -5");
    rejects(() -> LrSchedule.constant(1e-4).lr(-1, LrSchedule.UNBOUNDED), "step -1");
  }

  @Test
  void schedulesThatNeedTheTotalRejectAnUnknownOne() {
    rejects(() -> Rewarm.to(1e-4).cosineTo(0).lr(0, LrSchedule.UNBOUNDED), "totalSteps", "UNBOUNDED");
    rejects(() -> Rewarm.to(1e-4).stableThenDecay(Span.steps(5), DecayShape.LINEAR, 0).validateFor(LrSchedule.UNBOUNDED),
        "totalSteps");
    rejects(() -> Rewarm.to(1e-4).warmupFraction(0.01).constant().lr(0, LrSchedule.UNBOUNDED), "warmup", "1% of steps");
  }

  @Test
  void otherBadArguments() {
    rejects(() -> Rewarm.to(1e-4).stableThenDecay(Span.NONE, DecayShape.LINEAR, 0), "decay");
    rejects(() -> Rewarm.to(1e-4).inverseSqrt(-5), "timescale");
    rejects(() -> Rewarm.to(1e-4).cooldownTo(1e-5, -1), "cooldownSteps");
    rejects(() -> Rewarm.to(1e-4).cooldownTo(1e-5, 10).withAnneal(1e-6, -1), "annealSteps");
    rejects(() -> Rewarm.to(1e-4).cooldownTo(1e-5, 10).withAnnealStart(20), "annealStart", "annealSteps");
    rejects(() -> Span.fraction(1.5), "fraction");
    rejects(() -> new Span(3, 0.5), "either");
    rejects(() -> new NamedSchedule("has space", LrSchedule.constant(1)), "name");
    rejects(() -> DecayShape.fromId("step"), "step", "cosine");
  }
}
