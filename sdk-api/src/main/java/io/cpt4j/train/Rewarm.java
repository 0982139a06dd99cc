package io.cpt4j.train;

import java.util.ArrayList;
import java.util.List;

/**
 * The start of a re-warming schedule for continual pre-training: a linear warmup from {@code
 * startLr} (default 0) to {@code maxLr}, finished by the decay that follows it. Immutable and
 * thread-safe; every method returns a new value.
 *
 * <pre>{@code
 * Rewarm.to(3e-4).warmupFraction(0.01).cosineTo(3e-5)    // Gupta et al. 2023: 1% warmup, cosine to 0.1 × max
 * Rewarm.to(3e-4).warmupSteps(500).linearTo(0)
 * Rewarm.to(3e-4).warmupSteps(500).stableThenDecay(Span.fraction(0.2), DecayShape.ONE_MINUS_SQRT, 0)
 * Rewarm.to(3e-4).warmupSteps(500).cooldownTo(1e-4, 5_000).withAnneal(1e-5, 1_000)   // infinite
 * }</pre>
 *
 * <p>Warmup length: {@link #warmupSteps(long)} in optimizer steps, {@link #warmupFraction(double)}
 * as a fraction of the run's total steps (rounded as {@link Span} says), or {@link #warmup(double)}
 * which reads a value below 1 as a fraction and a whole number from 1 up as steps. Step 0 runs at
 * {@code startLr}, exactly 0 by default; see {@link LrSchedule} for the warmup formula.
 *
 * @param maxLr the peak learning rate, reached at the end of the warmup
 * @param startLr the learning rate of step 0 (default 0), at most {@code maxLr}
 * @param warmup the warmup length (default {@link Span#NONE}: step 0 already runs at {@code maxLr})
 */
public record Rewarm(double maxLr, double startLr, Span warmup) {
  /** The warmup lengths of the seed paper's grid, as fractions of the run: 0, 0.5, 1 and 2 %. */
  public static final List<Double> SEED_WARMUP_FRACTIONS = List.of(0.0, 0.005, 0.01, 0.02);

  /** The seed paper's floor: the minimum learning rate is this fraction of the maximum. */
  public static final double SEED_MIN_LR_RATIO = 0.1;

  public Rewarm {
    Phases.requireLr("maxLr", maxLr);
    Phases.requireLr("startLr", startLr);
    Phases.requireAtMost("startLr", startLr, "maxLr", maxLr);
    if (warmup == null) {
      throw new IllegalArgumentException("warmup must not be null (use Span.NONE)");
    }
  }

  /** Re-warm to {@code maxLr}, from 0, without warmup until one is given. */
  public static Rewarm to(double maxLr) {
    return new Rewarm(maxLr, 0, Span.NONE);
  }

  /** A copy warming up from {@code startLr} instead of 0 (e.g. the base run's final learning rate). */
  public Rewarm from(double startLr) {
    return new Rewarm(maxLr, startLr, warmup);
  }

  /** A copy with a warmup of {@code steps} optimizer steps (0: none). */
  public Rewarm warmupSteps(long steps) {
    return new Rewarm(maxLr, startLr, Span.steps(Phases.requireSteps("warmupSteps", steps)));
  }

  /** A copy with a warmup of {@code fraction} of the run's steps, {@code fraction} in [0, 1). */
  public Rewarm warmupFraction(double fraction) {
    if (!(fraction >= 0 && fraction < 1)) {
      throw new IllegalArgumentException("warmupFraction must be in [0, 1), got " + fraction);
    }
    return new Rewarm(maxLr, startLr, Span.fraction(fraction));
  }

  /**
   * A copy with a warmup of {@code fractionOrSteps}: a value in [0, 1) is a fraction of the run's
   * steps ({@code 0.01} = 1%), a whole number {@code >= 1} is a number of steps ({@code 500} = 500
   * steps; {@code 1} = one step, not 100%).
   *
   * @throws IllegalArgumentException for a negative, NaN or non-whole value {@code >= 1}
   */
  public Rewarm warmup(double fractionOrSteps) {
    if (fractionOrSteps >= 0 && fractionOrSteps < 1) {
      return warmupFraction(fractionOrSteps);
    }
    if (fractionOrSteps >= 1 && fractionOrSteps == Math.rint(fractionOrSteps) && fractionOrSteps < 0x1p53) {
      return warmupSteps((long) fractionOrSteps);
    }
    throw new IllegalArgumentException("warmup must be a fraction in [0, 1) or a whole number of steps, got "
        + fractionOrSteps);
  }

  /** Warmup, then cosine decay to {@code minLr} at the last step. */
  public WarmupDecaySchedule cosineTo(double minLr) {
    return decayTo(minLr, DecayShape.COSINE);
  }

  /** Warmup, then linear decay to {@code minLr} at the last step. */
  public WarmupDecaySchedule linearTo(double minLr) {
    return decayTo(minLr, DecayShape.LINEAR);
  }

  /** Warmup, then a decay of the given shape to {@code minLr} at the last step. */
  public WarmupDecaySchedule decayTo(double minLr, DecayShape shape) {
    return new WarmupDecaySchedule(startLr, maxLr, warmup, shape, minLr);
  }

  /** Warmup, then constant at {@code maxLr}. */
  public ConstantSchedule constant() {
    return new ConstantSchedule(startLr, maxLr, warmup);
  }

  /** Warmup, then {@code maxLr·sqrt(W/s)} (the default timescale; see {@link InverseSqrtSchedule}). */
  public InverseSqrtSchedule inverseSqrt() {
    return new InverseSqrtSchedule(startLr, maxLr, warmup, 0);
  }

  /** Warmup, then {@code maxLr·sqrt(τ/(s - W + τ))} with {@code τ = timescale} steps. */
  public InverseSqrtSchedule inverseSqrt(long timescale) {
    return new InverseSqrtSchedule(startLr, maxLr, warmup, timescale);
  }

  /** Warmup-stable-decay: warmup, constant at {@code maxLr}, then the final {@code decay} to {@code minLr}. */
  public WsdSchedule stableThenDecay(Span decay, DecayShape shape, double minLr) {
    return new WsdSchedule(startLr, maxLr, warmup, decay, shape, minLr);
  }

  /**
   * The infinite schedule without anneal: warmup, cosine cooldown over {@code cooldownSteps} to
   * {@code constantLr}, then constant; add the anneal with {@link InfiniteSchedule#withAnneal}.
   *
   * @throws IllegalArgumentException if the warmup is a fraction: the infinite schedule needs no
   *     total, so its warmup is in steps
   */
  public InfiniteSchedule cooldownTo(double constantLr, long cooldownSteps) {
    if (warmup.isFraction()) {
      throw new IllegalArgumentException("the infinite schedule's warmup must be in steps (warmupSteps), got "
          + warmup.describe());
    }
    return new InfiniteSchedule(startLr, maxLr, warmup.steps(), cooldownSteps, constantLr, constantLr, 0,
        InfiniteSchedule.AT_END, DecayShape.EXPONENTIAL);
  }

  /**
   * The warmup grid of the seed paper (Gupta et al. 2023, "Continual Pre-Training of Large Language
   * Models: How to (re)warm your model?"): linear warmup over 0, 0.5, 1 and 2 % of the run to {@code
   * maxLr}, then cosine decay to {@code 0.1 × maxLr}, named {@code warmup-0pct}, {@code
   * warmup-0.5pct}, {@code warmup-1pct}, {@code warmup-2pct}. The paper also varies the maximum
   * learning rate; call this once per value.
   */
  public static List<NamedSchedule> seedGrid(double maxLr) {
    List<NamedSchedule> grid = new ArrayList<>();
    for (double f : SEED_WARMUP_FRACTIONS) {
      grid.add(new NamedSchedule("warmup-" + Phases.percent(f) + "pct",
          Rewarm.to(maxLr).warmupFraction(f).cosineTo(SEED_MIN_LR_RATIO * maxLr)));
    }
    return List.copyOf(grid);
  }
}
