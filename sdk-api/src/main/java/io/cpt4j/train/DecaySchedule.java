package io.cpt4j.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A decay only: from {@code fromLr} at step {@code S = fromStep} to {@code minLr} over {@code K =
 * decaySteps} steps. The schedule of a decay branch ({@link DecayBranch}): a run that continues a
 * constant or warmup-stable-decay run from its checkpoint at step {@code S} (steps keep their
 * numbers, so the branch's first step is {@code S}) and anneals it, while the main run may go on at
 * its high learning rate. Immutable and thread-safe. Needs no {@code totalSteps}.
 *
 * <p>Step {@code s}:
 *
 * <pre>
 * 1) s &lt; S:          lr = fromLr              (the main run's steps: a branch never takes them)
 * 2) S ≤ s &lt; S + K:  p = (s - S)/(K - 1)  (p = 1 when K = 1)
 *                    lr = shape.at(fromLr, minLr, p)   e.g. 1-sqrt: minLr + (fromLr - minLr)·(1 - sqrt(p))
 * 3) s ≥ S + K:      lr = minLr
 * </pre>
 *
 * As in the decay of {@link WsdSchedule}, the decay's first step still runs at {@code fromLr} (the
 * learning rate the main run would have used next, so the branch starts where the main run is) and
 * its last step, {@code S + K - 1}, at {@code minLr}. With {@code minLr == fromLr} every step runs
 * at exactly {@code fromLr}, whatever the shape. A run must not end before the decay does.
 *
 * @param fromLr the learning rate of step {@code fromStep}, the decay's first
 * @param fromStep {@code S}, the first step of the decay (0 for a run that is all decay)
 * @param decaySteps {@code K}, at least 1
 * @param shape the decay's shape ({@link DecayShape#EXPONENTIAL} needs {@code minLr > 0})
 * @param minLr the learning rate of the decay's last step, at most {@code fromLr}
 */
public record DecaySchedule(double fromLr, long fromStep, long decaySteps, DecayShape shape, double minLr)
    implements LrSchedule {
  public DecaySchedule {
    Phases.requireLr("fromLr", fromLr);
    Phases.requireLr("minLr", minLr);
    Phases.requireAtMost("minLr", minLr, "fromLr", fromLr);
    Phases.requireSteps("fromStep", fromStep);
    if (decaySteps < 1) {
      throw new IllegalArgumentException("decaySteps must be >= 1, got " + decaySteps);
    }
    if (fromStep > Long.MAX_VALUE - decaySteps) {
      throw new IllegalArgumentException("fromStep (" + fromStep + ") + decaySteps (" + decaySteps + ") overflows");
    }
    if (shape == null) {
      throw new IllegalArgumentException("shape must not be null");
    }
    if (shape == DecayShape.EXPONENTIAL && !(minLr > 0)) {
      throw new IllegalArgumentException("minLr must be > 0 for an exponential decay, got " + minLr);
    }
  }

  /** The step after the decay's last one: {@code fromStep + decaySteps}. */
  public long endStep() {
    return fromStep + decaySteps;
  }

  @Override
  public double lr(long step, long totalSteps) {
    Phases.checkStep(step, totalSteps);
    // 1) before the decay: the branch point's learning rate
    if (step < fromStep) {
      return fromLr;
    }
    // 3) after the decay: its floor
    long intoDecay = step - fromStep;
    if (intoDecay >= decaySteps) {
      return minLr;
    }
    // 2) decay from fromLr at fromStep to minLr at fromStep + decaySteps - 1
    return shape.at(fromLr, minLr, Phases.progress(intoDecay, decaySteps));
  }

  @Override
  public void validateFor(long totalSteps) {
    if (totalSteps < 1) {
      throw new IllegalArgumentException(
          "totalSteps must be >= 1 (or LrSchedule.UNBOUNDED when unknown), got " + totalSteps);
    }
    if (totalSteps != UNBOUNDED && endStep() > totalSteps) {
      throw new IllegalArgumentException("the decay (" + Span.steps(decaySteps).describe() + " from step " + fromStep
          + ") ends at step " + (endStep() - 1) + ", after the run's last step (" + (totalSteps - 1) + ")");
    }
  }

  @Override
  public boolean needsTotalSteps() {
    return false;
  }

  @Override
  public String describe() {
    return (fromStep > 0 ? "from step " + fromStep + ": " : "") + shape.id() + " decay from " + fromLr + " to "
        + minLr + " over " + Span.steps(decaySteps).describe();
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", ScheduleMaps.DECAY);
    m.put("fromLr", fromLr);
    m.put("minLr", minLr);
    m.put("shape", shape.id());
    m.put("fromStep", fromStep);
    m.put("decaySteps", decaySteps);
    return ScheduleMaps.frozen(m);
  }
}
