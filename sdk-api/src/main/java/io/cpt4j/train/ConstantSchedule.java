package io.cpt4j.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A constant learning rate, optionally after a linear warmup. Immutable and thread-safe.
 *
 * <pre>
 * 1) s &lt; W:  lr = startLr + (lr - startLr)·s/W
 * 2) s ≥ W:  lr
 * </pre>
 *
 * Needs {@code totalSteps} only when the warmup is a fraction of the run.
 *
 * @param startLr the learning rate of step 0 when there is a warmup (default 0), at most {@code lr}
 * @param lr the constant learning rate
 * @param warmup the warmup length (default {@link Span#NONE})
 */
public record ConstantSchedule(double startLr, double lr, Span warmup) implements LrSchedule {
  public ConstantSchedule {
    Phases.requireLr("startLr", startLr);
    Phases.requireLr("lr", lr);
    Phases.requireAtMost("startLr", startLr, "lr", lr);
    if (warmup == null) {
      throw new IllegalArgumentException("warmup must not be null (use Span.NONE)");
    }
  }

  @Override
  public double lr(long step, long totalSteps) {
    Phases.checkStep(step, totalSteps);
    long w = Phases.warmupSteps(warmup, totalSteps);
    // 1) linear warmup from startLr
    if (step < w) {
      return Phases.ramp(startLr, lr, step, w);
    }
    // 2) constant
    return lr;
  }

  @Override
  public void validateFor(long totalSteps) {
    Phases.warmupSteps(warmup, totalSteps);
  }

  @Override
  public boolean needsTotalSteps() {
    return warmup.isFraction();
  }

  @Override
  public String describe() {
    return Phases.warmupPrefix(warmup, startLr, lr) + "constant " + lr;
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", ScheduleMaps.CONSTANT);
    m.put("lr", lr);
    m.put("startLr", startLr);
    ScheduleMaps.putSpan(m, "warmup", warmup);
    return ScheduleMaps.frozen(m);
  }
}
