package io.cpt4j.eval;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The stability gap of one validation set: how far its loss rose above the step-0 loss early in
 * continual pre-training, and when it came back (Guo et al. 2024, "Efficient Continual Pre-training
 * by Mitigating the Stability Gap"). Immutable and thread-safe.
 *
 * <p>Computed by {@link #of(ValidationCurve)} from the evaluated points only (the curve between two
 * evaluations is unknown), with plain {@code double} arithmetic:
 *
 * <pre>
 * 1) baselineLoss  = the loss at step 0
 * 2) maxRise       = max(0, max over points after step 0 of (loss - baselineLoss))
 *    maxRiseStep   = the step of the first point with that largest rise; 0 when maxRise = 0
 * 3) recoveredStep = the first step after maxRiseStep whose loss is strictly below baselineLoss;
 *                    empty when there is none ("not recovered"), and empty when maxRise = 0
 * </pre>
 *
 * A loss equal to the baseline has not returned <em>below</em> it. Rises before the largest one
 * and returns below the baseline between peaks are not reported: the gap is measured from its
 * deepest point. A rise after the recovery that is smaller than the largest rise is not part of the
 * gap either; the set's final change ({@link SetReport#change()}) shows where the loss ended.
 *
 * @param baselineLoss the loss at step 0, finite and &ge; 0
 * @param maxRise the largest rise above the baseline in nats, &ge; 0 (0 when the loss never rose)
 * @param maxRiseStep the step of the largest rise (its first occurrence); 0 when there was no rise
 * @param recoveredStep the first step after {@code maxRiseStep} with a loss strictly below the
 *     baseline; empty when the loss did not get there, or did not rise
 */
public record StabilityGap(double baselineLoss, double maxRise, long maxRiseStep, OptionalLong recoveredStep) {
  public StabilityGap {
    if (!(baselineLoss >= 0) || Double.isInfinite(baselineLoss)) {
      throw new IllegalArgumentException("baselineLoss must be finite and >= 0, got " + baselineLoss);
    }
    if (!(maxRise >= 0) || Double.isInfinite(maxRise)) {
      throw new IllegalArgumentException("maxRise must be finite and >= 0, got " + maxRise);
    }
    Objects.requireNonNull(recoveredStep, "recoveredStep (use OptionalLong.empty())");
    if (maxRise == 0 && (maxRiseStep != 0 || recoveredStep.isPresent())) {
      throw new IllegalArgumentException("without a rise maxRiseStep must be 0 and recoveredStep empty, got step "
          + maxRiseStep + " and " + recoveredStep);
    }
    if (maxRise > 0 && maxRiseStep <= 0) {
      throw new IllegalArgumentException("a rise happens after step 0, got maxRiseStep " + maxRiseStep);
    }
    if (recoveredStep.isPresent() && recoveredStep.getAsLong() <= maxRiseStep) {
      throw new IllegalArgumentException("recoveredStep must come after maxRiseStep " + maxRiseStep + ", got "
          + recoveredStep.getAsLong());
    }
  }

  /** The gap of {@code curve}, as defined above. */
  public static StabilityGap of(ValidationCurve curve) {
    List<EvalPoint> points = curve.points();
    // 1) the baseline: step 0
    double baseline = points.getFirst().loss();
    // 2) the largest rise above it, first occurrence on ties
    double maxRise = 0;
    int peak = 0;
    for (int i = 1; i < points.size(); i++) {
      double rise = points.get(i).loss() - baseline;
      if (rise > maxRise) {
        maxRise = rise;
        peak = i;
      }
    }
    if (peak == 0) {
      return new StabilityGap(baseline, 0, 0, OptionalLong.empty());
    }
    // 3) the first return strictly below the baseline after that peak
    OptionalLong recovered = OptionalLong.empty();
    for (int i = peak + 1; i < points.size(); i++) {
      if (points.get(i).loss() < baseline) {
        recovered = OptionalLong.of(points.get(i).step());
        break;
      }
    }
    return new StabilityGap(baseline, maxRise, points.get(peak).step(), recovered);
  }

  /** Whether the loss ever rose above the step-0 loss. */
  public boolean hasRise() {
    return maxRise > 0;
  }

  /**
   * Whether the gap is closed: the loss never rose, or came back strictly below the step-0 loss
   * after its largest rise. False is the report's "not recovered".
   */
  public boolean recovered() {
    return !hasRise() || recoveredStep.isPresent();
  }

  /**
   * One line for reports: {@code "no rise above step 0"}, {@code "rose 0.231 nats above step 0 at
   * step 40, back below at step 120"} or {@code "rose 0.231 nats above step 0 at step 40, not
   * recovered"} (the rise to 3 significant digits).
   */
  public String describe() {
    if (!hasRise()) {
      return "no rise above step 0";
    }
    String rise = "rose " + String.format(Locale.ROOT, "%.3g", maxRise) + " nats above step 0 at step " + maxRiseStep;
    return rise + (recoveredStep.isPresent() ? ", back below at step " + recoveredStep.getAsLong() : ", not recovered");
  }
}
