package io.cpt4j.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The evaluations of one named validation set over a run, in step order. Immutable and thread-safe.
 *
 * <p>A curve starts at step 0 (the model before any update: the baseline every derived metric is
 * measured against), its steps strictly increase and its token counts never decrease. A curve of one
 * point is valid: a run evaluated only at step 0.
 *
 * @param name the validation set's name, not blank
 * @param points the evaluations, the first at step 0 (copied, unmodifiable)
 */
public record ValidationCurve(String name, List<EvalPoint> points) {
  public ValidationCurve {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a validation set needs a name that is not blank, got "
          + (name == null ? "null" : "'" + name + "'"));
    }
    Objects.requireNonNull(points, "points");
    points = List.copyOf(points);
    if (points.isEmpty()) {
      throw new IllegalArgumentException("validation set '" + name + "' has no evaluations (it needs one at step 0)");
    }
    if (points.getFirst().step() != 0) {
      throw new IllegalArgumentException("validation set '" + name + "' must start at step 0, its first evaluation is at step "
          + points.getFirst().step());
    }
    for (int i = 1; i < points.size(); i++) {
      EvalPoint prev = points.get(i - 1);
      EvalPoint p = points.get(i);
      if (p.step() <= prev.step()) {
        throw new IllegalArgumentException("validation set '" + name + "': steps must strictly increase, step "
            + p.step() + " follows step " + prev.step());
      }
      if (p.tokens() < prev.tokens()) {
        throw new IllegalArgumentException("validation set '" + name + "': tokens must not decrease, " + p.tokens()
            + " at step " + p.step() + " follows " + prev.tokens() + " at step " + prev.step());
      }
    }
  }

  /** A curve of the step-0 evaluation alone. */
  public static ValidationCurve start(String name, double stepZeroLoss) {
    return new ValidationCurve(name, List.of(new EvalPoint(0, 0, stepZeroLoss)));
  }

  /**
   * This curve with {@code point} appended (a new curve; this one is unchanged).
   *
   * @throws IllegalArgumentException if {@code point} is not after the last point
   */
  public ValidationCurve plus(EvalPoint point) {
    List<EvalPoint> more = new ArrayList<>(points.size() + 1);
    more.addAll(points);
    more.add(Objects.requireNonNull(point, "point"));
    return new ValidationCurve(name, more);
  }

  /** The evaluation at step 0, the baseline. */
  public EvalPoint initial() {
    return points.getFirst();
  }

  /** The latest evaluation. */
  public EvalPoint last() {
    return points.getLast();
  }
}
