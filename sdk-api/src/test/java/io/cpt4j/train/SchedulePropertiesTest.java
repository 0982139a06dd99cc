package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Properties over every step of random runs: phases move the right way, values stay in bounds. */
class SchedulePropertiesTest {
  /** Tolerance for non-monotonic rounding noise, relative to the peak. */
  private static final double SLACK = 1e-15;

  private static Arbitrary<Double> d(double min, double max) {
    return Arbitraries.doubles().between(min, max).ofScale(12);
  }

  record Run(LrSchedule schedule, long totalSteps, long peakStep, long decayStart, double max, double floor) {}

  @Provide
  Arbitrary<Run> warmupDecayRuns() {
    return Combinators.combine(Arbitraries.longs().between(1, 3_000), d(0, 0.999),
        d(1e-6, 1e-2), d(0, 1),
        Arbitraries.of(DecayShape.class), Arbitraries.of(true, false)).as((t, w, max, ratio, shape, fraction) -> {
          double min = shape == DecayShape.EXPONENTIAL ? Math.max(ratio, 1e-3) * max : ratio * max;
          Rewarm r = Rewarm.to(max);
          r = fraction ? r.warmupFraction(w * 0.5) : r.warmupSteps((long) (w * t));
          long warm = r.warmup().resolve(t);
          if (warm >= t) {
            r = r.warmupSteps(t - 1);
            warm = t - 1;
          }
          return new Run(r.decayTo(min, shape), t, warm, warm, max, Math.min(min, 0));
        });
  }

  @Provide
  Arbitrary<Run> wsdRuns() {
    return Combinators.combine(Arbitraries.longs().between(2, 3_000), d(0, 0.5),
        d(0.0001, 0.5), d(1e-6, 1e-2),
        d(0, 1), Arbitraries.of(DecayShape.class)).as((t, w, d, max, ratio, shape) -> {
          double min = shape == DecayShape.EXPONENTIAL ? Math.max(ratio, 1e-3) * max : ratio * max;
          long warm = (long) (w * t);
          Span decay = Span.fraction(d);
          long dec = decay.resolve(t);
          WsdSchedule s = Rewarm.to(max).warmupSteps(warm).stableThenDecay(decay, shape, min);
          return new Run(s, t, warm, t - dec, max, 0);
        });
  }

  @Provide
  Arbitrary<Run> infiniteRuns() {
    return Combinators.combine(Arbitraries.longs().between(0, 200), Arbitraries.longs().between(0, 500),
        Arbitraries.longs().between(0, 500), Arbitraries.longs().between(0, 2_000),
        d(1e-6, 1e-2), d(0.01, 1),
        d(0.01, 1)).as((w, c, l, extra, max, constRatio, minRatio) -> {
          double constant = constRatio * max;
          InfiniteSchedule s = Rewarm.to(max).warmupSteps(w).cooldownTo(constant, c)
              .withAnneal(minRatio * constant, l);
          long t = w + c + l + extra + 1;
          return new Run(s, t, w, w, max, 0);
        });
  }

  private static void risesThenFalls(Run run) {
    LrSchedule s = run.schedule();
    long t = run.totalSteps();
    double prev = s.lr(0, t);
    for (long step = 1; step < t; step++) {
      double lr = s.lr(step, t);
      assertThat(Double.isFinite(lr)).isTrue();
      assertThat(lr).as("lr(%d) within [0, max]", step).isBetween(run.floor(), run.max() * (1 + SLACK));
      // the peak step itself may also be the run's last (then at the floor): only bounds there
      if (step < run.peakStep()) {
        assertThat(lr).as("warmup rises at %d", step).isGreaterThanOrEqualTo(prev - SLACK * run.max());
      } else if (step > run.peakStep()) {
        assertThat(lr).as("decay falls at %d", step).isLessThanOrEqualTo(prev + SLACK * run.max());
      }
      prev = lr;
    }
  }

  @Property(tries = 300)
  void warmupDecayRisesToMaxThenFallsToMinAtTheLastStep(@ForAll("warmupDecayRuns") Run run) {
    risesThenFalls(run);
    WarmupDecaySchedule s = (WarmupDecaySchedule) run.schedule();
    long t = run.totalSteps();
    assertThat(s.lr(t - 1, t)).isEqualTo(s.minLr());
    if (run.peakStep() < t - 1) {
      assertThat(s.lr(run.peakStep(), t)).isEqualTo(s.maxLr());
    }
  }

  @Property(tries = 300)
  void wsdIsFlatAtMaxBetweenWarmupAndDecay(@ForAll("wsdRuns") Run run) {
    risesThenFalls(run);
    WsdSchedule s = (WsdSchedule) run.schedule();
    long t = run.totalSteps();
    for (long step = run.peakStep(); step < run.decayStart(); step++) {
      assertThat(s.lr(step, t)).isEqualTo(s.maxLr());
    }
    // the decay's first step is still at maxLr, unless it is also the last step
    assertThat(s.lr(run.decayStart(), t)).isEqualTo(run.decayStart() < t - 1 ? s.maxLr() : s.minLr());
    assertThat(s.lr(t - 1, t)).isEqualTo(s.minLr());
  }

  @Property(tries = 300)
  void infiniteNeverRisesAfterWarmupAndEndsAtMinLr(@ForAll("infiniteRuns") Run run) {
    risesThenFalls(run);
    InfiniteSchedule s = (InfiniteSchedule) run.schedule();
    long t = run.totalSteps();
    long a = s.annealStartFor(t);
    for (long step = s.warmupSteps() + s.cooldownSteps(); step < (a < 0 ? t : a); step++) {
      assertThat(s.lr(step, t)).isEqualTo(s.constantLr());
    }
    assertThat(s.lr(t - 1, t)).isEqualTo(s.annealSteps() > 0 ? s.minLr() : s.constantLr());
    // without a known total the same schedule stays constant after the cooldown
    long end = s.warmupSteps() + s.cooldownSteps();
    assertThat(s.lr(end + t, LrSchedule.UNBOUNDED)).isEqualTo(s.constantLr());
  }

  @Property(tries = 200)
  void everyScheduleSurvivesAMapRoundTrip(@ForAll("warmupDecayRuns") Run a, @ForAll("wsdRuns") Run b,
      @ForAll("infiniteRuns") Run c) {
    for (Run r : new Run[] {a, b, c}) {
      LrSchedule back = LrSchedule.fromMap(r.schedule().toMap());
      assertThat(back).isEqualTo(r.schedule());
      assertThat(back.lr(r.totalSteps() / 2, r.totalSteps())).isEqualTo(r.schedule().lr(r.totalSteps() / 2, r.totalSteps()));
    }
  }
}
