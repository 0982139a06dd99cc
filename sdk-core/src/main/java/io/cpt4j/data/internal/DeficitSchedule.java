package io.cpt4j.data.internal;

import io.cpt4j.data.Mixture;

/**
 * Which component fills the next row: the one furthest behind its scheduled token share.
 *
 * <p>Each component {@code i} has a cumulative scheduled share {@code S_i} (tokens) and realised
 * tokens {@code R_i}. After every row of {@code t} tokens, produced at progress {@code p} (before
 * the row), every active component gets {@code S_i += t · w_i(p)}, where {@code w(p)} is {@link
 * Mixture#weightsAt} renormalised over the active components. The next row goes to the active
 * component of positive weight with the largest deficit {@code S_i − R_i}; ties go to the lower
 * index. The deficits of the active components sum to 0 (a dropped component's deficit is handed to
 * the others in proportion to their weights), so a chosen deficit is at least 0 when every weight is
 * positive; a row lowers it by at most the row's tokens, so every deficit lies in {@code [−T, (K−1)·T]}
 * for {@code K} components and rows of at most {@code T} tokens. Over any window, a component's
 * realised tokens therefore differ from its scheduled tokens by at most {@code K·T}: with packed rows
 * of 1,024 tokens, 3 sources and batches of 8 rows, 0.4 % of a 100-batch window.
 *
 * <p>Deterministic: the same sequence of rows gives the same doubles in the same order.
 */
final class DeficitSchedule {
  private final Mixture mixture;
  private final double[] scheduled;

  DeficitSchedule(Mixture mixture) {
    this.mixture = mixture;
    this.scheduled = new double[mixture.components().size()];
  }

  /** Weights at {@code progress}, renormalised over {@code active}; null when no active one has weight. */
  double[] weights(double progress, boolean[] active) {
    double[] w = mixture.weightsAt(progress);
    double sum = 0;
    for (int i = 0; i < w.length; i++) {
      if (!active[i]) {
        w[i] = 0;
      }
      sum += w[i];
    }
    if (!(sum > 0)) {
      return null;
    }
    for (int i = 0; i < w.length; i++) {
      w[i] /= sum;
    }
    return w;
  }

  /** The component with positive weight and the largest deficit, the lowest index among equals; -1 if none. */
  int choose(double[] weights, long[] realised) {
    int best = -1;
    double bestDeficit = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        double deficit = scheduled[i] - realised[i];
        if (best < 0 || deficit > bestDeficit) {
          best = i;
          bestDeficit = deficit;
        }
      }
    }
    return best;
  }

  /** Adds a row of {@code tokens} to every component's scheduled share. */
  void account(double[] weights, long tokens) {
    for (int i = 0; i < weights.length; i++) {
      scheduled[i] += tokens * weights[i];
    }
  }

  /**
   * Removes component {@code c}: its deficit goes to the others in proportion to {@code weights}
   * (renormalised without it; null when none is left), so the remaining deficits still sum to 0.
   */
  void drop(int c, long realised, double[] weights) {
    double deficit = scheduled[c] - realised;
    scheduled[c] = realised;
    if (weights != null) {
      for (int i = 0; i < weights.length; i++) {
        scheduled[i] += deficit * weights[i];
      }
    }
  }

  double scheduled(int i) {
    return scheduled[i];
  }

  void restore(int i, double value) {
    scheduled[i] = value;
  }
}
