package io.cpt4j.train;

import static io.cpt4j.train.LrAssert.assertMatches;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WsdScheduleTest {
  /** Warmup over W, maxLr until step T-D, then the shape from maxLr (step T-D) to minLr (step T-1). */
  static double wsd(long s, long T, long W, long D, String shape, double M, double m) {
    if (s < W) {
      return M * s / W;
    }
    if (s < T - D) {
      return M;
    }
    double p = D == 1 ? 1 : (double) (s - (T - D)) / (D - 1);
    return switch (shape) {
      case "linear" -> m + (M - m) * (1 - p);
      case "cosine" -> m + (M - m) * (1 + Math.cos(Math.PI * p)) / 2;
      case "1-sqrt" -> m + (M - m) * (1 - Math.sqrt(p));
      default -> throw new AssertionError(shape);
    };
  }

  @Test
  void everyShapeMatchesItsClosedForm() {
    long[][] runs = {{10_000, 100, 2_000}, {10_000, 0, 1}, {1_000, 10, 990}, {50, 5, 2}, {3, 1, 2}};
    for (String id : new String[] {"linear", "cosine", "1-sqrt"}) {
      for (long[] run : runs) {
        long t = run[0];
        long w = run[1];
        long d = run[2];
        LrSchedule s = Rewarm.to(4e-4).warmupSteps(w).stableThenDecay(Span.steps(d), DecayShape.fromId(id), 4e-6);
        assertMatches(s, t, new long[] {w, t - d}, step -> wsd(step, t, w, d, id, 4e-4, 4e-6));
        assertThat(s.lr(t - 1, t)).as(id).isEqualTo(4e-6);
      }
    }
  }

  @Test
  void oneMinusSqrtDecayOverTheLastFifthByHand() {
    LrSchedule s = Rewarm.to(1.0).stableThenDecay(Span.fraction(0.2), DecayShape.ONE_MINUS_SQRT, 0);
    // 100 steps: stable 0..79, decay 80..99 with p = (s - 80)/19
    assertThat(s.lr(0, 100)).isEqualTo(1.0);
    assertThat(s.lr(79, 100)).isEqualTo(1.0);
    assertThat(s.lr(80, 100)).isEqualTo(1.0);
    assertThat(s.lr(81, 100)).isEqualTo(1 - Math.sqrt(1.0 / 19));
    assertThat(s.lr(99, 100)).isEqualTo(0.0);
  }

  @Test
  void decayFractionIsOfTheWholeRun() {
    LrSchedule s = Rewarm.to(1e-3).warmupFraction(0.01).stableThenDecay(Span.fraction(0.1), DecayShape.LINEAR, 1e-4);
    // 5000 steps: warmup 50, decay 500 from step 4500
    assertMatches(s, 5_000, new long[] {50, 4_500}, step -> wsd(step, 5_000, 50, 500, "linear", 1e-3, 1e-4));
  }

  @Test
  void theStablePhaseMayBeEmpty() {
    LrSchedule s = Rewarm.to(1e-3).warmupSteps(10).stableThenDecay(Span.steps(90), DecayShape.COSINE, 0);
    assertMatches(s, 100, new long[] {10}, step -> wsd(step, 100, 10, 90, "cosine", 1e-3, 0));
  }
}
