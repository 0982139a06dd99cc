package io.cpt4j.train;

/**
 * Exponential moving average with bias correction: after values {@code x1..xn} it is {@code Σ
 * β^(n−i)(1−β)·xi / (1 − βⁿ)}, so the first value is itself rather than pulled towards 0 (as Adam
 * corrects its moments, and TensorBoard its smoothing). Non-finite values are ignored.
 *
 * <p>The smoothing of cpt4j's loss plots and console progress line, public so that a {@link
 * TrainingListener} can show the same curve. Not thread-safe.
 */
public final class MovingAverage {
  private final double beta;
  private double sum;
  private double weight;

  /** {@code beta} in [0, 1): 0 is no smoothing; {@code 1 − 1/τ} averages over about τ values. */
  public MovingAverage(double beta) {
    if (!(beta >= 0 && beta < 1)) {
      throw new IllegalArgumentException("beta must be in [0, 1), got " + beta);
    }
    this.beta = beta;
  }

  /** Adds {@code x} (ignored unless finite) and returns the average. */
  public double add(double x) {
    if (Double.isFinite(x)) {
      sum = beta * sum + (1 - beta) * x;
      weight = beta * weight + (1 - beta);
    }
    return value();
  }

  /** The average so far, NaN before the first finite value. */
  public double value() {
    return weight == 0 ? Double.NaN : sum / weight;
  }
}
