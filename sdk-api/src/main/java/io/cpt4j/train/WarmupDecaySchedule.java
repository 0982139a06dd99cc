package io.cpt4j.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Linear warmup to {@code maxLr}, then a decay that reaches {@code minLr} exactly at the run's last
 * step: the re-warming schedule of continual pre-training (Gupta et al. 2023, "Continual
 * Pre-Training of Large Language Models: How to (re)warm your model?", with cosine decay). Built by
 * {@link Rewarm}: {@code Rewarm.to(3e-4).warmupFraction(0.01).cosineTo(3e-5)}. Immutable and
 * thread-safe. Needs {@code totalSteps}.
 *
 * <p>For a run of {@code T} steps with {@code W} warmup steps (a fraction resolved as in {@link
 * Span}), step {@code s}:
 *
 * <pre>
 * 1) s &lt; W:  lr = startLr + (maxLr - startLr)·s/W              (step 0: startLr, 0 by default)
 * 2) s ≥ W:  p = (s - W)/(T - 1 - W)  (p = 1 when W = T - 1)
 *           lr = shape.at(maxLr, minLr, p)                      (step W: maxLr, step T-1: minLr)
 * </pre>
 *
 * With the cosine shape, phase 2 is {@code minLr + (maxLr - minLr)·(1 + cos(π·p))/2}. Unlike
 * transformers' {@code get_cosine_schedule_with_warmup} (which reaches its floor at step {@code T},
 * never taken), the last step taken runs at {@code minLr}. A run whose only post-warmup step is the
 * last one takes it at {@code minLr}.
 *
 * @param startLr the learning rate of step 0 (default 0), at most {@code maxLr}
 * @param maxLr the peak, reached at the end of the warmup
 * @param warmup the warmup length (default {@link Span#NONE}); shorter than the run
 * @param shape the decay's shape (default {@link DecayShape#COSINE})
 * @param minLr the learning rate of the last step, at most {@code maxLr} (for {@link
 *     DecayShape#EXPONENTIAL}, above 0)
 */
public record WarmupDecaySchedule(double startLr, double maxLr, Span warmup, DecayShape shape, double minLr)
    implements LrSchedule {
  public WarmupDecaySchedule {
    Phases.requireLr("startLr", startLr);
    Phases.requireLr("maxLr", maxLr);
    Phases.requireLr("minLr", minLr);
    Phases.requireAtMost("startLr", startLr, "maxLr", maxLr);
    Phases.requireAtMost("minLr", minLr, "maxLr", maxLr);
    if (warmup == null) {
      throw new IllegalArgumentException("warmup must not be null (use Span.NONE)");
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
    long w = warmupFor(totalSteps);
    // 1) linear warmup from startLr to maxLr
    if (step < w) {
      return Phases.ramp(startLr, maxLr, step, w);
    }
    // 2) decay from maxLr at step w to minLr at the last step
    return shape.at(maxLr, minLr, Phases.progress(step - w, totalSteps - w));
  }

  private long warmupFor(long totalSteps) {
    if (totalSteps == UNBOUNDED) {
      throw new IllegalArgumentException(
          "a decay to minLr at the last step needs a known totalSteps, got UNBOUNDED");
    }
    return Phases.warmupSteps(warmup, totalSteps);
  }

  @Override
  public void validateFor(long totalSteps) {
    warmupFor(totalSteps);
  }

  @Override
  public boolean needsTotalSteps() {
    return true;
  }

  @Override
  public String describe() {
    return Phases.warmupPrefix(warmup, startLr, maxLr) + shape.id() + " decay "
        + (warmup.isNone() ? "from " + maxLr + " " : "") + "to " + minLr + " at the last step";
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", ScheduleMaps.WARMUP_DECAY);
    m.put("maxLr", maxLr);
    m.put("minLr", minLr);
    m.put("shape", shape.id());
    m.put("startLr", startLr);
    ScheduleMaps.putSpan(m, "warmup", warmup);
    return ScheduleMaps.frozen(m);
  }
}
