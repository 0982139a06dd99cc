package io.cpt4j.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Linear warmup, then inverse-square-root decay, as Hugging Face transformers' {@code
 * get_inverse_sqrt_schedule} defines it. Immutable and thread-safe. Needs {@code totalSteps} only
 * when the warmup is a fraction of the run; it never reaches a floor.
 *
 * <p>With {@code W} warmup steps and timescale {@code τ}, step {@code s}:
 *
 * <pre>
 * 1) s &lt; W:  lr = startLr + (maxLr - startLr)·s/W
 * 2) s ≥ W:  lr = maxLr·sqrt(τ/(s - W + τ))
 * </pre>
 *
 * With the default timescale {@code τ = W} phase 2 is the familiar {@code maxLr·sqrt(W/s)}
 * (Vaswani et al. 2017 with the peak as a parameter); step {@code W} runs at {@code maxLr}. Without
 * warmup the default timescale is 10,000 steps, as in transformers.
 *
 * @param startLr the learning rate of step 0 (default 0), at most {@code maxLr}
 * @param maxLr the peak, at the end of the warmup
 * @param warmup the warmup length (default {@link Span#NONE})
 * @param timescale {@code τ} in steps; 0 (the default) means the warmup length, or 10,000 when there
 *     is no warmup
 */
public record InverseSqrtSchedule(double startLr, double maxLr, Span warmup, long timescale)
    implements LrSchedule {
  /** The timescale without warmup when none is given (transformers' default). */
  public static final long DEFAULT_TIMESCALE_WITHOUT_WARMUP = 10_000;

  public InverseSqrtSchedule {
    Phases.requireLr("startLr", startLr);
    Phases.requireLr("maxLr", maxLr);
    Phases.requireAtMost("startLr", startLr, "maxLr", maxLr);
    if (warmup == null) {
      throw new IllegalArgumentException("warmup must not be null (use Span.NONE)");
    }
    Phases.requireSteps("timescale", timescale);
  }

  @Override
  public double lr(long step, long totalSteps) {
    Phases.checkStep(step, totalSteps);
    long w = Phases.warmupSteps(warmup, totalSteps);
    // 1) linear warmup from startLr to maxLr
    if (step < w) {
      return Phases.ramp(startLr, maxLr, step, w);
    }
    // 2) inverse square root, maxLr at step w
    double tau = timescale > 0 ? timescale : w > 0 ? w : DEFAULT_TIMESCALE_WITHOUT_WARMUP;
    return maxLr * Math.sqrt(tau / ((step - w) + tau));
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
    String tau = timescale > 0 ? timescale + " steps"
        : warmup.isNone() ? DEFAULT_TIMESCALE_WITHOUT_WARMUP + " steps" : "the warmup";
    return Phases.warmupPrefix(warmup, startLr, maxLr) + "inverse-sqrt decay from " + maxLr
        + " with timescale " + tau;
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", ScheduleMaps.INVERSE_SQRT);
    m.put("maxLr", maxLr);
    m.put("startLr", startLr);
    ScheduleMaps.putSpan(m, "warmup", warmup);
    m.put("timescale", timescale);
    return ScheduleMaps.frozen(m);
  }
}
