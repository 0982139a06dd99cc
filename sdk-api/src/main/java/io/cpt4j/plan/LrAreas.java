package io.cpt4j.plan;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.LongToDoubleFunction;

/**
 * The two areas of a run's learning-rate schedule that the LR-annealing scaling law (Tissue et al.
 * 2024, "Scaling Law with Learning Rate Annealing", arXiv:2408.11029) reads, after every number of
 * optimizer steps {@code s = 0 .. totalSteps}. With {@code eta_i} the learning rate of the i-th
 * update (for a {@link io.cpt4j.train.LrSchedule}, {@code eta_i = schedule.lr(i - 1, totalSteps)},
 * i = 1 .. s):
 *
 * <pre>
 * S1(s) = eta_1 + ... + eta_s                                 the forward area
 * m_1   = 0,  m_i = lambda * m_(i-1) + (eta_(i-1) - eta_i)    the annealing momentum
 * S2(s) = m_1 + ... + m_s                                     the annealing area
 * </pre>
 *
 * as the paper defines them, with its decay factor {@code lambda} = {@value #DEFAULT_DECAY} unless
 * told otherwise. One choice is cpt4j's: a warmup's rise is not annealing, so the differences of the
 * run's first steps while the learning rate does not fall (the warmup and, for warmup-stable-decay,
 * the stable phase) count as 0 in {@code m}. Taken literally, a warmup from 0 would add a negative
 * momentum as large as the peak, and {@code S2} would cancel the annealing it is meant to measure.
 * Any later rise counts with its sign. {@code S1(0) = S2(0) = 0}.
 *
 * <pre>{@code
 * LrAreas areas = LrAreas.of(step -> schedule.lr(step, 10_000), 10_000);
 * }</pre>
 *
 * <p>Computed once, in float64, for every step; {@code 16 * (totalSteps + 1)} bytes. Immutable and
 * thread-safe.
 */
public final class LrAreas {
  /** The paper's decay factor lambda of the annealing momentum. */
  public static final double DEFAULT_DECAY = 0.999;

  /** The most steps an instance holds (two float64 arrays of this length: 1.6 GB). */
  public static final long MAX_STEPS = 100_000_000L;

  private final double[] s1;
  private final double[] s2;
  private final double decay;
  private final long peakStep;

  private LrAreas(double[] lr, double decay) {
    if (!(decay >= 0 && decay < 1)) {
      throw new IllegalArgumentException("the decay factor lambda must be in [0, 1), got " + decay);
    }
    if (lr.length == 0) {
      throw new IllegalArgumentException("a schedule needs at least one step");
    }
    int n = lr.length;
    for (int i = 0; i < n; i++) {
      if (!(lr[i] >= 0) || Double.isInfinite(lr[i])) {
        throw new IllegalArgumentException("learning rates must be finite and >= 0, step " + i + " has " + lr[i]);
      }
    }
    int rising = 0; // lr[0 .. rising] does not fall
    while (rising + 1 < n && lr[rising + 1] >= lr[rising]) {
      rising++;
    }
    int peak = 0; // the first step at the first peak: lr[peak] >= lr[peak + 1]
    while (peak + 1 < n && lr[peak + 1] > lr[peak]) {
      peak++;
    }
    this.decay = decay;
    this.peakStep = peak;
    this.s1 = new double[n + 1];
    this.s2 = new double[n + 1];
    double m = 0;
    for (int i = 1; i <= n; i++) { // update i ran at lr[i - 1]
      s1[i] = s1[i - 1] + lr[i - 1];
      double drop = i >= 2 && i - 1 > rising ? lr[i - 2] - lr[i - 1] : 0;
      m = decay * m + drop;
      s2[i] = s2[i - 1] + m;
    }
  }

  /**
   * The areas of a run of {@code totalSteps} steps whose step k runs at {@code learningRate(k)}
   * (e.g. {@code step -> schedule.lr(step, totalSteps)}), with lambda {@value #DEFAULT_DECAY}.
   */
  public static LrAreas of(LongToDoubleFunction learningRate, long totalSteps) {
    return of(learningRate, totalSteps, DEFAULT_DECAY);
  }

  /**
   * The areas of a run of {@code totalSteps} steps whose step k runs at {@code learningRate(k)}.
   *
   * @throws IllegalArgumentException if {@code totalSteps} is not in [1, {@value #MAX_STEPS}] (a
   *     run of unknown length has no areas), a learning rate is negative or not finite, or {@code
   *     decay} is not in [0, 1); what {@code learningRate} throws for a step of the run
   */
  public static LrAreas of(LongToDoubleFunction learningRate, long totalSteps, double decay) {
    Objects.requireNonNull(learningRate, "learningRate");
    if (totalSteps < 1 || totalSteps > MAX_STEPS) {
      throw new IllegalArgumentException("the areas need a known run length in [1, " + MAX_STEPS + "] steps, got "
          + (totalSteps == Long.MAX_VALUE ? "UNBOUNDED" : totalSteps));
    }
    double[] lr = new double[(int) totalSteps];
    for (int i = 0; i < lr.length; i++) {
      lr[i] = learningRate.applyAsDouble(i);
    }
    return new LrAreas(lr, decay);
  }

  /**
   * The areas of explicit learning rates, {@code learningRates[k]} being that of step k (the
   * (k+1)-th update); the array is copied.
   *
   * @throws IllegalArgumentException if it is empty, longer than {@value #MAX_STEPS}, holds a
   *     negative or non-finite rate, or {@code decay} is not in [0, 1)
   */
  public static LrAreas of(double[] learningRates, double decay) {
    return new LrAreas(Arrays.copyOf(learningRates, learningRates.length), decay);
  }

  /** The run's length: the areas are known for steps 0 to this. */
  public long totalSteps() {
    return s1.length - 1;
  }

  /** The decay factor lambda of the annealing momentum. */
  public double decay() {
    return decay;
  }

  /**
   * The first step at the schedule's first peak: the warmup's length (0 without warmup). An
   * evaluation after at most this many steps saw only warming-up updates.
   */
  public long peakStep() {
    return peakStep;
  }

  /**
   * The forward area after {@code step} updates.
   *
   * @throws IllegalArgumentException if {@code step} is outside [0, {@link #totalSteps()}]
   */
  public double s1(long step) {
    return s1[index(step)];
  }

  /**
   * The annealing area after {@code step} updates.
   *
   * @throws IllegalArgumentException if {@code step} is outside [0, {@link #totalSteps()}]
   */
  public double s2(long step) {
    return s2[index(step)];
  }

  private int index(long step) {
    if (step < 0 || step >= s1.length) {
      throw new IllegalArgumentException("step must be in [0, " + totalSteps() + "], got " + step);
    }
    return (int) step;
  }

  @Override
  public String toString() {
    return "LrAreas[totalSteps=" + totalSteps() + ", decay=" + decay + ", peakStep=" + peakStep + ", S1=" + s1[s1.length - 1]
        + ", S2=" + s2[s2.length - 1] + "]";
  }
}
