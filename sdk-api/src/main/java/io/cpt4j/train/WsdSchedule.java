package io.cpt4j.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Warmup-stable-decay (WSD): linear warmup to {@code maxLr}, a constant ("stable") phase at {@code
 * maxLr}, then a final decay to {@code minLr} over the last {@code D} steps (Hu et al. 2024,
 * MiniCPM; Hägele et al. 2024, who found the 1-sqrt shape best). Immutable and thread-safe. Needs
 * {@code totalSteps}.
 *
 * <p>For a run of {@code T} steps with {@code W} warmup steps and {@code D} decay steps (fractions
 * of {@code T} resolved as in {@link Span}), step {@code s}:
 *
 * <pre>
 * 1) s &lt; W:          lr = startLr + (maxLr - startLr)·s/W
 * 2) W ≤ s &lt; T - D:  lr = maxLr
 * 3) s ≥ T - D:      p = (s - (T - D))/(D - 1)  (p = 1 when D = 1)
 *                   lr = shape.at(maxLr, minLr, p)   e.g. 1-sqrt: minLr + (maxLr - minLr)·(1 - sqrt(p))
 * </pre>
 *
 * The decay's first step still runs at {@code maxLr} and its last step, the run's last, at {@code
 * minLr}. {@code W + D} must not exceed {@code T} (the stable phase may be empty).
 *
 * @param startLr the learning rate of step 0 (default 0), at most {@code maxLr}
 * @param maxLr the stable learning rate
 * @param warmup the warmup length (default {@link Span#NONE})
 * @param decay the final decay's length, at least one step; a fraction is of the whole run
 * @param shape the decay's shape
 * @param minLr the learning rate of the last step, at most {@code maxLr}
 */
public record WsdSchedule(double startLr, double maxLr, Span warmup, Span decay, DecayShape shape, double minLr)
    implements LrSchedule {
  public WsdSchedule {
    Phases.requireLr("startLr", startLr);
    Phases.requireLr("maxLr", maxLr);
    Phases.requireLr("minLr", minLr);
    Phases.requireAtMost("startLr", startLr, "maxLr", maxLr);
    Phases.requireAtMost("minLr", minLr, "maxLr", maxLr);
    if (warmup == null) {
      throw new IllegalArgumentException("warmup must not be null (use Span.NONE)");
    }
    if (decay == null || decay.isNone()) {
      throw new IllegalArgumentException("decay must be at least one step or a fraction > 0, got "
          + (decay == null ? "null" : decay.describe()));
    }
    if (shape == null) {
      throw new IllegalArgumentException("shape must not be null");
    }
    if (shape == DecayShape.EXPONENTIAL && !(minLr > 0)) {
      throw new IllegalArgumentException("minLr must be > 0 for an exponential decay, got " + minLr);
    }
  }

  @Override
  public double lr(long step, long totalSteps) {
    Phases.checkStep(step, totalSteps);
    long w = Phases.warmupSteps(warmup, totalSteps);
    long d = decayFor(totalSteps, w);
    // 1) linear warmup from startLr to maxLr
    if (step < w) {
      return Phases.ramp(startLr, maxLr, step, w);
    }
    // 2) stable at maxLr
    long decayStart = totalSteps - d;
    if (step < decayStart) {
      return maxLr;
    }
    // 3) decay from maxLr at decayStart to minLr at the last step
    return shape.at(maxLr, minLr, Phases.progress(step - decayStart, d));
  }

  private long decayFor(long totalSteps, long warmupSteps) {
    if (totalSteps == UNBOUNDED) {
      throw new IllegalArgumentException(
          "warmup-stable-decay ends with its decay and needs a known totalSteps, got UNBOUNDED");
    }
    long d = decay.resolve("decay", totalSteps);
    if (warmupSteps + d > totalSteps) {
      throw new IllegalArgumentException("warmup (" + warmupSteps + " steps) and decay (" + d
          + " steps) do not fit in the run (" + totalSteps + " steps)");
    }
    return d;
  }

  @Override
  public void validateFor(long totalSteps) {
    if (totalSteps == UNBOUNDED) {
      decayFor(totalSteps, 0);
    }
    decayFor(totalSteps, Phases.warmupSteps(warmup, totalSteps));
  }

  @Override
  public boolean needsTotalSteps() {
    return true;
  }

  @Override
  public String describe() {
    return Phases.warmupPrefix(warmup, startLr, maxLr) + "stable at " + maxLr + ", then " + shape.id()
        + " decay to " + minLr + " over the last " + decay.describe();
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", ScheduleMaps.WSD);
    m.put("maxLr", maxLr);
    m.put("minLr", minLr);
    m.put("shape", shape.id());
    ScheduleMaps.putSpan(m, "decay", decay);
    m.put("startLr", startLr);
    ScheduleMaps.putSpan(m, "warmup", warmup);
    return ScheduleMaps.frozen(m);
  }
}
