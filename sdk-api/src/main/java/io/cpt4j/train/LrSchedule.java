package io.cpt4j.train;

import java.util.Map;

/**
 * A learning-rate schedule: the learning rate of every optimizer step of a run, as a pure function
 * of the step. Implementations are immutable records, so every schedule is deterministic and
 * thread-safe, and equal schedules give equal learning rates.
 *
 * <p><b>Steps.</b> A run has {@code totalSteps} optimizer updates numbered {@code 0 ..
 * totalSteps - 1}; step 0 is the first update (it is taken with {@code lr(0, totalSteps)}), the last
 * step is {@code totalSteps - 1}. {@link #lr} rejects a step outside {@code [0, totalSteps)}.
 *
 * <p><b>Unknown budget.</b> Pass {@link #UNBOUNDED} as {@code totalSteps} when the run's length is
 * not known. Only schedules that do not need it accept it ({@link #needsTotalSteps()} is false):
 * constant and inverse-sqrt schedules whose warmup is in steps, and the {@link InfiniteSchedule},
 * which then never anneals unless told at which step to start.
 *
 * <p><b>Warmup.</b> Every schedule may start with a linear warmup of {@code W} steps from {@code
 * startLr} (default 0) to its peak: {@code lr(s) = startLr + (peak - startLr)·s/W} for {@code s <
 * W}, so step 0 runs at {@code startLr}, exactly 0 by default (the convention of Hugging Face
 * transformers' {@code get_cosine_schedule_with_warmup}), and step {@code W} is the first at the
 * peak. The warmup must be shorter than the run.
 *
 * <p>The kinds, with their {@code type} in {@link #toMap()}:
 *
 * <ul>
 *   <li>{@code constant}: {@link ConstantSchedule}, with or without warmup
 *   <li>{@code warmup-decay}: {@link WarmupDecaySchedule}, warmup then cosine / linear / 1-sqrt /
 *       exponential decay to {@code minLr} at the last step ({@link Rewarm}'s {@code cosineTo})
 *   <li>{@code inverse-sqrt}: {@link InverseSqrtSchedule}
 *   <li>{@code warmup-stable-decay}: {@link WsdSchedule}
 *   <li>{@code infinite}: {@link InfiniteSchedule}, warmup, cooldown to a constant, constant, anneal
 *   <li>{@code decay}: {@link DecaySchedule}, a decay only, from a given step (the schedule of a
 *       {@link DecayBranch})
 * </ul>
 */
public sealed interface LrSchedule
    permits ConstantSchedule, WarmupDecaySchedule, InverseSqrtSchedule, WsdSchedule, InfiniteSchedule,
        DecaySchedule {

  /** The {@code totalSteps} of a run whose length is not known. */
  long UNBOUNDED = Long.MAX_VALUE;

  /**
   * The learning rate of optimizer step {@code step} (0-based) of a run of {@code totalSteps} steps.
   *
   * @throws IllegalArgumentException if {@code step} is outside {@code [0, totalSteps)}, if {@code
   *     totalSteps < 1}, or if the schedule does not fit the run (see {@link #validateFor})
   */
  double lr(long step, long totalSteps);

  /**
   * Checks that this schedule fits a run of {@code totalSteps} steps ({@link #UNBOUNDED} when
   * unknown): its warmup is shorter than the run, its phases fit, and it has the total it needs.
   * Trainers call it before the first step.
   *
   * @throws IllegalArgumentException naming the field that does not fit
   */
  void validateFor(long totalSteps);

  /** Whether {@link #lr} needs a known {@code totalSteps} (rejects {@link #UNBOUNDED}). */
  boolean needsTotalSteps();

  /** One line for logs and reports, e.g. "linear warmup over 1% of steps from 0.0 to 3.0E-4, then cosine decay to 3.0E-5 at the last step". */
  String describe();

  /**
   * This schedule as a map of plain values (strings, {@code Double} learning rates, {@code Long}
   * steps) for {@code run.json} and YAML run files; {@link #fromMap} reads it back to an equal
   * schedule. Insertion-ordered and unmodifiable. The keys of each {@code type} are listed at {@link
   * #fromMap}.
   */
  Map<String, Object> toMap();

  /**
   * A schedule from a map such as {@link #toMap()} writes or a YAML run file holds. Numbers may be
   * any {@link Number} or a numeric string (YAML 1.1 reads {@code 3e-4} as a string); step counts
   * must be whole. Unknown keys are errors. Keys by {@code type} (optional ones with their default):
   *
   * <ul>
   *   <li>{@code constant}: {@code lr}; {@code startLr} (0), {@code warmupSteps} | {@code
   *       warmupFraction} (none)
   *   <li>{@code warmup-decay}: {@code maxLr}, {@code minLr}; {@code shape} ({@code cosine}),
   *       {@code startLr}, {@code warmupSteps} | {@code warmupFraction}
   *   <li>{@code inverse-sqrt}: {@code maxLr}; {@code startLr}, {@code warmupSteps} | {@code
   *       warmupFraction}, {@code timescale} (0: the default of {@link InverseSqrtSchedule})
   *   <li>{@code warmup-stable-decay}: {@code maxLr}, {@code minLr}, {@code shape}, {@code
   *       decaySteps} | {@code decayFraction}; {@code startLr}, {@code warmupSteps} | {@code
   *       warmupFraction}
   *   <li>{@code infinite}: {@code maxLr}, {@code cooldownSteps}, {@code constantLr}; {@code
   *       startLr}, {@code warmupSteps} (0), {@code annealSteps} (0: no anneal), {@code minLr}
   *       (required when {@code annealSteps > 0}), {@code annealStart} (absent: the last {@code
   *       annealSteps} steps of a known run), {@code annealShape} ({@code exponential})
   *   <li>{@code decay}: {@code fromLr}, {@code minLr}, {@code shape}, {@code decaySteps}; {@code
   *       fromStep} (0)
   * </ul>
   *
   * @throws IllegalArgumentException naming the missing, unknown or invalid field
   */
  static LrSchedule fromMap(Map<String, ?> map) {
    return ScheduleMaps.read(map);
  }

  /** A constant learning rate from the first step. */
  static ConstantSchedule constant(double lr) {
    return new ConstantSchedule(0, lr, Span.NONE);
  }
}
