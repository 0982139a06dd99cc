package io.cpt4j.plan;

import java.util.Locale;
import java.util.Objects;

/**
 * The LR-annealing scaling law (Tissue et al. 2024, arXiv:2408.11029) of one validation curve: its
 * loss after {@code s} optimizer steps of a schedule with forward area {@code S1(s)} and annealing
 * area {@code S2(s)} ({@link LrAreas}),
 *
 * <pre>
 * L(s) = L0 + A * S1(s)^(-alpha) - C * S2(s)
 * </pre>
 *
 * The power law in the forward area is the loss falling as training proceeds (at the pace the
 * learning rate sets); the annealing term is the extra drop a decaying learning rate brings, with
 * the delay the momentum in {@code S2} gives it. L0, A and alpha are positive; C is positive, or 0
 * when the fit saw no annealing and the prediction needs none. Immutable and thread-safe.
 *
 * @param l0 the loss the power law tends to, L0
 * @param a the power law's coefficient A
 * @param alpha its exponent
 * @param c the annealing coefficient C
 * @param decay the decay factor lambda of the areas the law was fitted with
 */
public record AnnealingLaw(double l0, double a, double alpha, double c, double decay) {
  public AnnealingLaw {
    if (!(l0 > 0 && a > 0 && alpha > 0 && c >= 0) || Double.isInfinite(l0) || Double.isInfinite(a)
        || Double.isInfinite(alpha) || Double.isInfinite(c)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "L0, A and alpha must be finite and > 0 and C finite and >= 0, got L0=%s A=%s alpha=%s C=%s", l0, a, alpha, c));
    }
    if (!(decay >= 0 && decay < 1)) {
      throw new IllegalArgumentException("the decay factor lambda must be in [0, 1), got " + decay);
    }
  }

  /**
   * The loss at forward area {@code s1} and annealing area {@code s2}.
   *
   * @throws IllegalArgumentException if {@code s1} is not positive
   */
  public double loss(double s1, double s2) {
    if (!(s1 > 0)) {
      throw new IllegalArgumentException("the forward area S1 must be > 0, got " + s1);
    }
    return l0 + a * Math.pow(s1, -alpha) - c * s2;
  }

  /**
   * The loss after {@code step} updates of the schedule {@code areas} describes.
   *
   * @throws IllegalArgumentException if the areas have another decay factor, the step is outside
   *     them, or the forward area at {@code step} is 0 (step 0, or a warmup from 0 at step 1)
   */
  public double loss(LrAreas areas, long step) {
    Objects.requireNonNull(areas, "areas");
    if (areas.decay() != decay) {
      throw new IllegalArgumentException("the law was fitted with lambda " + decay + ", the areas have " + areas.decay());
    }
    return loss(areas.s1(step), areas.s2(step));
  }

  /** One line, e.g. {@code L = 2.14 + 0.312 * S1^-0.481 - 1.27 * S2 (lambda 0.999)}. */
  public String describe() {
    return String.format(Locale.ROOT, "L = %.4g + %.4g * S1^-%.3g - %.4g * S2 (lambda %s)", l0, a, alpha, c, decay);
  }
}
