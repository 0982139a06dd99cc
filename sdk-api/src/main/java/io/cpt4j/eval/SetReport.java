package io.cpt4j.eval;

import java.util.Objects;

/**
 * What continual pre-training did to one validation set: its loss at step 0 and at the last
 * evaluation, the change between them, the lowest loss seen and the {@link StabilityGap}.
 * Immutable and thread-safe.
 *
 * <p>The sign convention follows the loss: a positive {@code change} is a loss that went up (on a
 * general set this is <em>forgetting</em>), a negative one a loss that went down (on a domain set
 * the <em>gain</em>). {@link #of(ValidationCurve)} computes every field with plain {@code double}
 * arithmetic:
 *
 * <pre>
 * change         = finalLoss - initialLoss
 * relativeChange = change / initialLoss   (0 when both are 0, +Infinity when only initialLoss is 0)
 * minLoss        = the lowest loss of the curve, minLossStep the first step that reached it
 * </pre>
 *
 * @param name the validation set's name
 * @param initialLoss the loss at step 0 (nats)
 * @param finalLoss the loss at the last evaluation (equal to {@code initialLoss} for a curve of one point)
 * @param change {@code finalLoss - initialLoss}: positive is worse (forgetting), negative better (gain)
 * @param relativeChange {@code change / initialLoss}, e.g. 0.025 for a loss 2.5% higher than at step 0
 * @param minLoss the lowest loss evaluated, step 0 included
 * @param minLossStep the first step at which {@code minLoss} was evaluated
 * @param gap the stability gap of the set
 */
public record SetReport(String name, double initialLoss, double finalLoss, double change, double relativeChange,
    double minLoss, long minLossStep, StabilityGap gap) {
  public SetReport {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a set report needs a name that is not blank");
    }
    requireLoss(name, "initialLoss", initialLoss);
    requireLoss(name, "finalLoss", finalLoss);
    requireLoss(name, "minLoss", minLoss);
    if (!Double.isFinite(change)) {
      throw new IllegalArgumentException("set '" + name + "': change must be finite, got " + change);
    }
    if (Double.isNaN(relativeChange)) {
      throw new IllegalArgumentException("set '" + name + "': relativeChange must not be NaN");
    }
    if (minLoss > initialLoss || minLoss > finalLoss) {
      throw new IllegalArgumentException("set '" + name + "': minLoss " + minLoss + " exceeds the initial ("
          + initialLoss + ") or final (" + finalLoss + ") loss");
    }
    if (minLossStep < 0) {
      throw new IllegalArgumentException("set '" + name + "': minLossStep must be >= 0, got " + minLossStep);
    }
    Objects.requireNonNull(gap, "gap");
    if (gap.baselineLoss() != initialLoss) {
      throw new IllegalArgumentException("set '" + name + "': the gap's baseline " + gap.baselineLoss()
          + " is not the initial loss " + initialLoss);
    }
  }

  private static void requireLoss(String name, String field, double loss) {
    if (!(loss >= 0) || Double.isInfinite(loss)) {
      throw new IllegalArgumentException("set '" + name + "': " + field + " must be finite and >= 0, got " + loss);
    }
  }

  /** The report of {@code curve}'s set. */
  public static SetReport of(ValidationCurve curve) {
    double initial = curve.initial().loss();
    double last = curve.last().loss();
    double change = last - initial;
    double relative = initial != 0 ? change / initial : change == 0 ? 0 : Double.POSITIVE_INFINITY;
    EvalPoint min = curve.initial();
    for (EvalPoint p : curve.points()) {
      if (p.loss() < min.loss()) {
        min = p;
      }
    }
    return new SetReport(curve.name(), initial, last, change, relative, min.loss(), min.step(), StabilityGap.of(curve));
  }

  /** {@code exp(initialLoss)}. */
  public double initialPerplexity() {
    return Math.exp(initialLoss);
  }

  /** {@code exp(finalLoss)}. */
  public double finalPerplexity() {
    return Math.exp(finalLoss);
  }
}
