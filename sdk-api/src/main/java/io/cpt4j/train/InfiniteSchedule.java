package io.cpt4j.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The "infinite" schedule of continual pre-training (Ibrahim et al. 2024, "Simple and Scalable
 * Strategies to Continually Pre-train Large Language Models"): linear warmup to {@code maxLr}, a
 * cosine cooldown to {@code constantLr}, a constant phase that can last as long as new data keeps
 * coming, and a short final anneal to {@code minLr} when a finished model is wanted. It needs no
 * total budget: warmup and cooldown are in steps, and the anneal starts either at an explicit step
 * ({@link #withAnnealStart}, e.g. when the trainer is asked for a final model) or over the last
 * {@code annealSteps} steps of a run whose total is known. Built by {@link Rewarm#cooldownTo}.
 * Immutable and thread-safe.
 *
 * <p>With {@code W} warmup steps, {@code C} cooldown steps, {@code L} anneal steps starting at
 * step {@code A}, step {@code s}:
 *
 * <pre>
 * 1) s &lt; W:            lr = startLr + (maxLr - startLr)·s/W
 * 2) W ≤ s &lt; W + C:    lr = constantLr + (maxLr - constantLr)·(1 + cos(π·(s - W)/C))/2
 * 3) W + C ≤ s &lt; A:    lr = constantLr
 * 4) A ≤ s &lt; A + L:    p = (s - A)/(L - 1)  (p = 1 when L = 1)
 *                     lr = annealShape.at(constantLr, minLr, p)   exponential: constantLr·(minLr/constantLr)^p
 * 5) s ≥ A + L:        lr = minLr
 * </pre>
 *
 * The cooldown reaches {@code constantLr} at step {@code W + C}, the constant phase's first step;
 * the anneal's first step is still at {@code constantLr} and its last at {@code minLr}. {@code A} is
 * {@link #annealStart} when it is set ({@code >= 0}); otherwise {@code A = T - L} for a run of known
 * {@code T} steps, so the run's last step is at {@code minLr}; otherwise (unknown total, {@link
 * LrSchedule#UNBOUNDED}, or {@code L = 0}) there is no anneal and phase 3 never ends. An anneal
 * with an explicit start may run past the end of a known run (the run then ends mid-anneal). With
 * {@code C = 0} the learning rate drops from the warmup straight to {@code constantLr}; give {@code
 * maxLr = constantLr} to warm up straight to the constant.
 *
 * @param startLr the learning rate of step 0 (default 0), at most {@code maxLr}
 * @param maxLr the peak, at the end of the warmup
 * @param warmupSteps {@code W} (default 0)
 * @param cooldownSteps {@code C}
 * @param constantLr the constant phase's learning rate, at most {@code maxLr}
 * @param minLr the anneal's final learning rate, at most {@code constantLr} (above 0 for an
 *     exponential anneal); unused without anneal (default {@code constantLr})
 * @param annealSteps {@code L}; 0 (the default) for no anneal
 * @param annealStart {@code A}, or {@link #AT_END} (the default) for the last {@code L} steps of a
 *     known run; at least {@code W + C}
 * @param annealShape the anneal's shape (default {@link DecayShape#EXPONENTIAL}, as in the paper)
 */
public record InfiniteSchedule(double startLr, double maxLr, long warmupSteps, long cooldownSteps,
    double constantLr, double minLr, long annealSteps, long annealStart, DecayShape annealShape)
    implements LrSchedule {
  /** {@link #annealStart} meaning "the last {@code annealSteps} steps of a run of known length". */
  public static final long AT_END = -1;

  public InfiniteSchedule {
    Phases.requireLr("startLr", startLr);
    Phases.requireLr("maxLr", maxLr);
    Phases.requireLr("constantLr", constantLr);
    Phases.requireLr("minLr", minLr);
    Phases.requireAtMost("startLr", startLr, "maxLr", maxLr);
    Phases.requireAtMost("constantLr", constantLr, "maxLr", maxLr);
    Phases.requireAtMost("minLr", minLr, "constantLr", constantLr);
    Phases.requireSteps("warmupSteps", warmupSteps);
    Phases.requireSteps("cooldownSteps", cooldownSteps);
    Phases.requireSteps("annealSteps", annealSteps);
    if (annealShape == null) {
      throw new IllegalArgumentException("annealShape must not be null");
    }
    if (annealSteps > 0 && annealShape == DecayShape.EXPONENTIAL && !(minLr > 0)) {
      throw new IllegalArgumentException("minLr must be > 0 for an exponential anneal, got " + minLr);
    }
    if (annealStart < AT_END) {
      throw new IllegalArgumentException(
          "annealStart must be a step >= 0 or InfiniteSchedule.AT_END (-1), got " + annealStart);
    }
    if (annealStart >= 0 && annealSteps == 0) {
      throw new IllegalArgumentException("annealStart " + annealStart + " needs annealSteps >= 1");
    }
    if (annealStart >= 0 && annealStart < warmupSteps + cooldownSteps) {
      throw new IllegalArgumentException("annealStart (" + annealStart
          + ") must not be before the end of warmup and cooldown (step " + (warmupSteps + cooldownSteps) + ")");
    }
  }

  /** A copy that anneals to {@code minLr} over {@code annealSteps} steps (at the end of a known run unless {@link #withAnnealStart} says when). */
  public InfiniteSchedule withAnneal(double minLr, long annealSteps) {
    return new InfiniteSchedule(startLr, maxLr, warmupSteps, cooldownSteps, constantLr, minLr, annealSteps,
        annealStart, annealShape);
  }

  /** A copy that anneals to {@code minLr} over {@code annealSteps} steps with the given shape. */
  public InfiniteSchedule withAnneal(double minLr, long annealSteps, DecayShape shape) {
    return new InfiniteSchedule(startLr, maxLr, warmupSteps, cooldownSteps, constantLr, minLr, annealSteps,
        annealStart, shape);
  }

  /** A copy whose anneal starts at step {@code step} ({@link #AT_END}: the last steps of a known run). */
  public InfiniteSchedule withAnnealStart(long step) {
    return new InfiniteSchedule(startLr, maxLr, warmupSteps, cooldownSteps, constantLr, minLr, annealSteps,
        step, annealShape);
  }

  /** A copy with another anneal shape. */
  public InfiniteSchedule withAnnealShape(DecayShape shape) {
    return new InfiniteSchedule(startLr, maxLr, warmupSteps, cooldownSteps, constantLr, minLr, annealSteps,
        annealStart, shape);
  }

  /**
   * The first anneal step {@code A} of a run of {@code totalSteps} ({@link LrSchedule#UNBOUNDED}
   * when unknown), or -1 when this run never anneals.
   */
  public long annealStartFor(long totalSteps) {
    if (annealSteps == 0) {
      return -1;
    }
    if (annealStart >= 0) {
      return annealStart;
    }
    return totalSteps == UNBOUNDED ? -1 : totalSteps - annealSteps;
  }

  @Override
  public double lr(long step, long totalSteps) {
    Phases.checkStep(step, totalSteps);
    validateFor(totalSteps);
    // 1) linear warmup from startLr to maxLr
    if (step < warmupSteps) {
      return Phases.ramp(startLr, maxLr, step, warmupSteps);
    }
    // 2) cosine cooldown from maxLr (step W) to constantLr (step W + C)
    long intoCooldown = step - warmupSteps;
    if (intoCooldown < cooldownSteps) {
      return DecayShape.COSINE.at(maxLr, constantLr, (double) intoCooldown / cooldownSteps);
    }
    // 3) constant until the anneal
    long a = annealStartFor(totalSteps);
    if (a < 0 || step < a) {
      return constantLr;
    }
    // 4) anneal from constantLr (step A) to minLr (step A + L - 1); 5) then minLr
    long intoAnneal = step - a;
    return intoAnneal >= annealSteps ? minLr
        : annealShape.at(constantLr, minLr, Phases.progress(intoAnneal, annealSteps));
  }

  @Override
  public void validateFor(long totalSteps) {
    Phases.warmupSteps(Span.steps(warmupSteps), totalSteps);
    if (totalSteps != UNBOUNDED && annealSteps > 0 && annealStart == AT_END
        && totalSteps - annealSteps < warmupSteps + cooldownSteps) {
      throw new IllegalArgumentException("annealSteps (" + annealSteps + ") at the end of a run of "
          + totalSteps + " steps would start before the end of warmup and cooldown (step "
          + (warmupSteps + cooldownSteps) + ")");
    }
  }

  @Override
  public boolean needsTotalSteps() {
    return false;
  }

  @Override
  public String describe() {
    String s = Phases.warmupPrefix(Span.steps(warmupSteps), startLr, maxLr);
    if (cooldownSteps > 0) {
      s += "cosine cooldown over " + Span.steps(cooldownSteps).describe() + " to " + constantLr + ", then ";
    }
    s += "constant " + constantLr;
    if (annealSteps == 0) {
      return s + " (no anneal)";
    }
    return s + ", then " + annealShape.id() + " anneal to " + minLr + " over " + Span.steps(annealSteps).describe()
        + (annealStart >= 0 ? " from step " + annealStart : " at the end of the run");
  }

  @Override
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", ScheduleMaps.INFINITE);
    m.put("maxLr", maxLr);
    m.put("startLr", startLr);
    m.put("warmupSteps", warmupSteps);
    m.put("cooldownSteps", cooldownSteps);
    m.put("constantLr", constantLr);
    m.put("minLr", minLr);
    m.put("annealSteps", annealSteps);
    if (annealStart >= 0) {
      m.put("annealStart", annealStart);
    }
    m.put("annealShape", annealShape.id());
    return ScheduleMaps.frozen(m);
  }
}
