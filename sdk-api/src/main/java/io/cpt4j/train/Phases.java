package io.cpt4j.train;

import java.math.BigDecimal;

/** Arithmetic and checks shared by the schedules: the warmup ramp, decay progress, argument checks. */
final class Phases {
  private Phases() {}

  /** The first step of a run of {@code totalSteps} must be 0, the last {@code totalSteps - 1}. */
  static void checkStep(long step, long totalSteps) {
    if (totalSteps < 1) {
      throw new IllegalArgumentException(
          "totalSteps must be >= 1 (or LrSchedule.UNBOUNDED when unknown), got " + totalSteps);
    }
    if (step < 0 || step >= totalSteps) {
      throw new IllegalArgumentException("step " + step + " is outside the run [0, "
          + (totalSteps == LrSchedule.UNBOUNDED ? "unbounded" : Long.toString(totalSteps)) + ")");
    }
  }

  /** Linear warmup: {@code from} at step 0, rising by {@code (to - from) / length} a step. */
  static double ramp(double from, double to, long step, long length) {
    return from + (to - from) * ((double) step / length);
  }

  /**
   * Progress through a decay phase of {@code length} steps: 0 at its first step, 1 at its last; a
   * phase of one step is at 1.
   */
  static double progress(long stepIntoPhase, long length) {
    return length == 1 ? 1.0 : (double) stepIntoPhase / (length - 1);
  }

  static double requireLr(String field, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(field + " must be a finite number >= 0, got " + value);
    }
    return value;
  }

  static void requireAtMost(String lowField, double low, String highField, double high) {
    if (low > high) {
      throw new IllegalArgumentException(
          lowField + " (" + low + ") must be <= " + highField + " (" + high + ")");
    }
  }

  static long requireSteps(String field, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must be >= 0, got " + value);
    }
    return value;
  }

  /** The warmup length of a run; it must leave at least one step after it. */
  static long warmupSteps(Span warmup, long totalSteps) {
    if (totalSteps < 1) {
      throw new IllegalArgumentException(
          "totalSteps must be >= 1 (or LrSchedule.UNBOUNDED when unknown), got " + totalSteps);
    }
    long w = warmup.resolve("warmup", totalSteps);
    if (totalSteps != LrSchedule.UNBOUNDED && w >= totalSteps) {
      throw new IllegalArgumentException("warmup (" + w + " steps) must be shorter than the run ("
          + totalSteps + " steps)");
    }
    return w;
  }

  /** "linear warmup over 1% of steps from 0.0 to 3.0E-4, then " or "" without warmup. */
  static String warmupPrefix(Span warmup, double startLr, double maxLr) {
    if (warmup.isNone()) {
      return "";
    }
    return "linear warmup over " + warmup.describe() + " from " + startLr + " to " + maxLr + ", then ";
  }

  /** A fraction as a percentage without binary noise: 0.07 → "7", 0.005 → "0.5". */
  static String percent(double fraction) {
    return BigDecimal.valueOf(fraction).movePointRight(2).stripTrailingZeros().toPlainString();
  }
}
