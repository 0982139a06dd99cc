package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.TreeSet;
import java.util.function.LongToDoubleFunction;

/** Comparisons of a schedule against a closed form written in the test. */
final class LrAssert {
  static final double REL = 1e-12;

  private LrAssert() {}

  /** {@code actual} within 1e-12 relative of {@code expected} (exactly 0 when 0 is expected). */
  static void assertLr(LrSchedule schedule, long step, long totalSteps, double expected) {
    double actual = schedule.lr(step, totalSteps);
    assertThat(Math.abs(actual - expected))
        .as("lr(%d, %d) of %s: got %s, expected %s", step, totalSteps, schedule.describe(), actual, expected)
        .isLessThanOrEqualTo(REL * Math.abs(expected));
  }

  /**
   * Step 0, the last step, every boundary and its neighbours (clamped to the run), and {@code
   * randomSteps} random steps.
   */
  static TreeSet<Long> probeSteps(long totalSteps, long[] boundaries, int randomSteps, long seed) {
    TreeSet<Long> steps = new TreeSet<>();
    steps.add(0L);
    steps.add(totalSteps - 1);
    for (long b : boundaries) {
      for (long s = b - 1; s <= b + 1; s++) {
        if (s >= 0 && s < totalSteps) {
          steps.add(s);
        }
      }
    }
    Random random = new Random(seed);
    for (int i = 0; i < randomSteps; i++) {
      steps.add(random.nextLong(totalSteps));
    }
    return steps;
  }

  /** Checks the schedule against {@code expected} at {@link #probeSteps}. */
  static void assertMatches(LrSchedule schedule, long totalSteps, long[] boundaries, LongToDoubleFunction expected) {
    for (long s : probeSteps(totalSteps, boundaries, 50, totalSteps * 31 + boundaries.length)) {
      assertLr(schedule, s, totalSteps, expected.applyAsDouble(s));
    }
  }
}
