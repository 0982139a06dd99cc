package io.cpt4j.train;

import io.cpt4j.backend.Backend;
import io.cpt4j.spi.Providers;
import io.cpt4j.spi.TrainerProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A decay branch: a decay-only run that starts from a checkpoint of a main run at a constant or
 * stable learning rate and anneals it, so that every release gets its cheap decay while the main run
 * goes on at its high learning rate (learning-rate path switching; the cooldowns of
 * warmup-stable-decay, Hägele et al. 2024). Started by {@link ContinualPretrainer#branch}:
 *
 * <pre>{@code
 * TrainingReport r = ContinualPretrainer.branch(Path.of("runs/main"), 4_000)
 *     .decay(200_000_000, DecayShape.ONE_MINUS_SQRT)   // tokens, shape; to the main schedule's minimum
 *     .output(Path.of("runs/main-decay-4000"))
 *     .train();
 * }</pre>
 *
 * <p><b>What carries over.</b> The branch is the main run's configuration ({@code run.json}) with
 * a {@link DecaySchedule} and its own output directory, started from the main run's checkpoint
 * {@code checkpoints/step-N/} as a resume would: weights, AdamW moments and step count, the data
 * sampler's position and random state, the backend and thread count. Its first step draws exactly
 * the batch the main run drew (or would draw) after step {@code N}; steps keep their numbers, so
 * the branch runs steps {@code N .. N + K - 1} and its report counts all {@code N + K}. Its {@code
 * metrics.jsonl} starts with the main run's lines up to step {@code N}, so its plots and its report
 * (forgetting against step 0, the stability gap) cover the whole path. The main run's directory is
 * only read: it can be resumed and branched again. The branch reads the main run's token shards (its
 * data cache) in place.
 *
 * <p><b>The decay.</b> It starts at the learning rate the main run takes at step {@code N} (its
 * next step; for the main run's final checkpoint, that of its last step) and reaches the minimum
 * learning rate at the branch's last step, with the given {@link DecayShape}; {@code decay(tokens,
 * shape)} makes that ⌈tokens / batchTokens⌉ steps (at least one step's tokens are needed). The
 * minimum defaults to the main schedule's own floor: {@code minLr} of a warmup-stable-decay,
 * warmup-decay or decay schedule, of an infinite schedule with an anneal; 0 for constant,
 * inverse-sqrt and infinite schedules without anneal.
 *
 * <p><b>Defaults.</b> Evaluation and checkpoint intervals, kept checkpoints, the backend and the
 * validation sets and tasks are the main run's unless set here. There is no default output.
 *
 * <p>Errors are {@link BranchException}s (bad step, decay or output) or {@link TrainingException}s
 * (an invalid configuration), thrown by {@link #config()} and {@link #train()} before anything is
 * written. Not thread-safe; each {@link #train()} is a new branch.
 */
public final class DecayBranch {
  private final Path run;
  private final long fromStep;
  private long decayTokens;
  private long decaySteps;
  private DecayShape shape;
  private double minLr = Double.NaN;
  private Path output;
  private Long evaluateEvery;
  private Long checkpointEvery;
  private Integer keepLastCheckpoints;
  private String backendSpec;
  private Backend backendInstance;
  private final List<TrainingListener> listeners = new ArrayList<>();

  DecayBranch(Path run, long fromStep) {
    this.run = Objects.requireNonNull(run, "run");
    this.fromStep = fromStep;
  }

  /**
   * Decays over {@code tokens} input positions, ⌈tokens / batchTokens⌉ steps of the main run's
   * batch size, with the given shape. Replaces an earlier {@link #decaySteps}.
   */
  public DecayBranch decay(long tokens, DecayShape shape) {
    this.decayTokens = tokens;
    this.decaySteps = 0;
    this.shape = Objects.requireNonNull(shape, "shape");
    return this;
  }

  /** Decays over {@code steps} optimizer steps with the given shape. Replaces an earlier {@link #decay}. */
  public DecayBranch decaySteps(long steps, DecayShape shape) {
    if (steps < 1) {
      throw new BranchException(BranchException.Reason.BAD_DECAY, "a decay needs at least one step, got " + steps);
    }
    this.decaySteps = steps;
    this.decayTokens = 0;
    this.shape = Objects.requireNonNull(shape, "shape");
    return this;
  }

  /** The learning rate of the branch's last step (default: the main schedule's floor, see the class comment). */
  public DecayBranch minLr(double lr) {
    this.minLr = lr;
    return this;
  }

  /** The branch's run directory: new, or an empty directory, and outside the main run's. Required. */
  public DecayBranch output(Path runDirectory) {
    this.output = Objects.requireNonNull(runDirectory, "output");
    return this;
  }

  /** Steps between evaluations (default: the main run's; steps are counted from the main run's start). */
  public DecayBranch evaluateEvery(long stepsBetween) {
    this.evaluateEvery = stepsBetween;
    return this;
  }

  /** Steps between checkpoints (default: the main run's); the branch's last step is always checkpointed. */
  public DecayBranch checkpointEvery(long stepsBetween) {
    this.checkpointEvery = stepsBetween;
    return this;
  }

  /** Checkpoints the branch keeps (default: the main run's). */
  public DecayBranch keepLastCheckpoints(int k) {
    this.keepLastCheckpoints = k;
    return this;
  }

  /**
   * "cpu", "cpu:THREADS", "gpu", "gpu:INDEX" or "auto" (default: the main run's, with its thread
   * count, which a bit-exact continuation on the CPU needs).
   */
  public DecayBranch backend(String spec) {
    this.backendSpec = Objects.requireNonNull(spec, "backend");
    this.backendInstance = null;
    return this;
  }

  /** A backend instance for the branch (run.json records its {@link Backend#name()}). */
  public DecayBranch backend(Backend b) {
    this.backendInstance = Objects.requireNonNull(b, "backend");
    this.backendSpec = b.name();
    return this;
  }

  /** Adds a listener, called on the training thread (the branch's first {@code onStart} step is {@code N}). */
  public DecayBranch listener(TrainingListener l) {
    listeners.add(Objects.requireNonNull(l, "listener"));
    return this;
  }

  /**
   * The branch's configuration: the main run's, with the {@link DecaySchedule}, {@code steps = N +
   * K}, the {@link BranchPoint} and the settings given here. Reads the main run's {@code run.json}
   * and lists its checkpoints; writes nothing.
   *
   * @throws BranchException if the directory holds no run, has no checkpoint at the step, or the
   *     decay is missing, shorter than a step or would rise
   */
  public RunConfig config() {
    TrainerProvider trainer = Providers.trainer();
    if (!Files.isRegularFile(run.resolve("run.json"))) {
      throw new BranchException(BranchException.Reason.NOT_A_RUN,
          run + " is not a cpt4j run directory (no run.json): a branch starts from a run's checkpoint");
    }
    RunConfig main = trainer.readRun(run);
    List<Long> steps = trainer.checkpointSteps(run);
    if (!steps.contains(fromStep)) {
      throw BranchException.unknownStep(run, fromStep, steps);
    }
    if (shape == null) {
      throw new BranchException(BranchException.Reason.BAD_DECAY,
          "no decay given: call decay(tokens, shape) or decaySteps(steps, shape)");
    }
    long k = decaySteps > 0 ? decaySteps : stepsFor(decayTokens, main.batchTokens());
    double startLr = lrAt(main, fromStep);
    double floor = Double.isNaN(minLr) ? floorOf(main.schedule()) : minLr;
    if (floor > startLr) {
      throw new BranchException(BranchException.Reason.BAD_DECAY, "the minimum learning rate " + floor
          + (Double.isNaN(minLr) ? " (the main schedule's)" : "") + " is above the learning rate at step " + fromStep
          + " (" + startLr + "): a decay cannot rise; give a lower minLr");
    }
    DecaySchedule schedule;
    try {
      schedule = new DecaySchedule(startLr, fromStep, k, shape, floor);
    } catch (IllegalArgumentException e) {
      throw new BranchException(BranchException.Reason.BAD_DECAY, "invalid decay: " + e.getMessage());
    }
    RunConfig.Builder b = main.newBuilder().schedule(schedule).tokens(0).steps(fromStep + k).output(output)
        .branchOf(BranchPoint.of(run.toAbsolutePath().normalize(), fromStep));
    if (evaluateEvery != null) {
      b.evaluateEvery(evaluateEvery);
    }
    if (checkpointEvery != null) {
      b.checkpointEvery(checkpointEvery);
    }
    if (keepLastCheckpoints != null) {
      b.keepLastCheckpoints(keepLastCheckpoints);
    }
    if (backendSpec != null) {
      b.backend(backendSpec);
    }
    return b.build();
  }

  /**
   * Runs the branch to its last step and returns its report.
   *
   * @throws BranchException if the branch cannot start (see {@link #config()}; also an output that
   *     is not empty or lies inside the main run)
   * @throws TrainingException for an invalid configuration or a run that had to stop
   */
  public TrainingReport train() {
    return Providers.trainer().train(config(), backendInstance, List.copyOf(listeners));
  }

  /** ⌈tokens / batchTokens⌉, refusing less than one step. */
  static long stepsFor(long tokens, long batchTokens) {
    if (tokens < batchTokens) {
      throw new BranchException(BranchException.Reason.BAD_DECAY, "a decay of " + tokens
          + " tokens is shorter than one step (" + batchTokens + " tokens a step in the main run)");
    }
    return tokens / batchTokens + (tokens % batchTokens == 0 ? 0 : 1);
  }

  /**
   * The learning rate the main run takes at step {@code step}, the one after its checkpoint; at the
   * main run's end, the learning rate of its last step.
   */
  static double lrAt(RunConfig main, long step) {
    long total = main.steps();
    return main.schedule().lr(Math.min(step, total - 1), total);
  }

  /** Where a decay of the main schedule would end: its minimum learning rate, or 0 when it has none. */
  static double floorOf(LrSchedule s) {
    return switch (s) {
      case WsdSchedule w -> w.minLr();
      case WarmupDecaySchedule w -> w.minLr();
      case DecaySchedule d -> d.minLr();
      case InfiniteSchedule i -> i.annealSteps() > 0 ? i.minLr() : 0;
      case ConstantSchedule c -> 0;
      case InverseSqrtSchedule i -> 0;
    };
  }
}
