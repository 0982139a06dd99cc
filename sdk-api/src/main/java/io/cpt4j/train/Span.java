package io.cpt4j.train;

/**
 * The length of a schedule phase (a warmup, a final decay): a number of optimizer steps, or a
 * fraction of the run's total steps. Immutable and thread-safe.
 *
 * <p>A fraction {@code f} of a run of {@code T} steps is {@code Math.round(f·T)} steps (nearest,
 * halves up), and at least 1 step when {@code f > 0}: 1% of 1,000 steps is 10 steps, 0.5% of 300 is
 * 2 (1.5 rounded up), 0.1% of 100 is 1 (not 0). Rounding to nearest rather than up keeps binary
 * noise out: {@code 0.07 × 100} is {@code 7.000000000000001} in {@code double}, still 7 steps. A
 * fraction needs a known total: resolving one against {@link LrSchedule#UNBOUNDED} fails.
 *
 * @param steps the length in steps when {@code fraction} is 0 (at least 0)
 * @param fraction the length as a fraction of the run, in (0, 1], or 0 for a length in steps
 */
public record Span(long steps, double fraction) {
  /** No phase: 0 steps. */
  public static final Span NONE = new Span(0, 0);

  public Span {
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    }
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in [0, 1], got " + fraction);
    }
    if (steps > 0 && fraction > 0) {
      throw new IllegalArgumentException(
          "a span is either steps or a fraction, got " + steps + " steps and fraction " + fraction);
    }
  }

  /** A phase of {@code n} steps. */
  public static Span steps(long n) {
    return new Span(n, 0);
  }

  /** A phase of {@code f} of the run's steps, {@code f} in [0, 1]. */
  public static Span fraction(double f) {
    return new Span(0, f);
  }

  /** Whether the length depends on the run's total steps. */
  public boolean isFraction() {
    return fraction > 0;
  }

  /** Whether the phase is empty (0 steps or a fraction of 0). */
  public boolean isNone() {
    return steps == 0 && fraction == 0;
  }

  /**
   * This length in steps for a run of {@code totalSteps} steps.
   *
   * @throws IllegalArgumentException if this is a fraction and {@code totalSteps} is {@link
   *     LrSchedule#UNBOUNDED} or less than 1
   */
  public long resolve(long totalSteps) {
    return resolve("span", totalSteps);
  }

  long resolve(String field, long totalSteps) {
    if (!isFraction()) {
      return steps;
    }
    if (totalSteps == LrSchedule.UNBOUNDED || totalSteps < 1) {
      throw new IllegalArgumentException(field + " is " + describe()
          + ", which needs a known number of total steps (got " + describeTotal(totalSteps) + ")");
    }
    return Math.max(1, Math.round(fraction * totalSteps));
  }

  /** "100 steps", "1% of steps". */
  public String describe() {
    return isFraction() ? Phases.percent(fraction) + "% of steps" : steps + (steps == 1 ? " step" : " steps");
  }

  private static String describeTotal(long totalSteps) {
    return totalSteps == LrSchedule.UNBOUNDED ? "UNBOUNDED" : Long.toString(totalSteps);
  }
}
