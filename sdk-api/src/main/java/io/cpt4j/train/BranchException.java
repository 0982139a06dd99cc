package io.cpt4j.train;

import java.nio.file.Path;
import java.util.List;

/**
 * A branch run ({@link DecayBranch}, or a {@link RunConfig} with {@link RunConfig#branchOf()}) that
 * cannot start: the message states the fact and the fix, {@link #reason()} says which kind of
 * problem it is, and for an unknown step {@link #availableSteps()} lists the steps that can be
 * branched from. Nothing is written when it is thrown; the main run is never touched. Immutable.
 */
public final class BranchException extends TrainingException {
  private static final long serialVersionUID = 1L;

  /** What is wrong. */
  public enum Reason {
    /** The main run's directory holds no run ({@code run.json}). */
    NOT_A_RUN,
    /** The main run has no complete checkpoint at the step asked for. */
    UNKNOWN_STEP,
    /** The output directory is not empty, or lies inside the main run's directory. */
    BAD_OUTPUT,
    /** The decay is missing, shorter than one step, or ends above the learning rate it starts from. */
    BAD_DECAY
  }

  private final Reason reason;
  private final List<Long> availableSteps;

  /** An error of the given kind; {@code availableSteps} is empty unless the reason is {@link Reason#UNKNOWN_STEP}. */
  public BranchException(Reason reason, String message, List<Long> availableSteps) {
    super(message);
    this.reason = reason;
    this.availableSteps = List.copyOf(availableSteps);
  }

  /** An error of the given kind without a list of steps. */
  public BranchException(Reason reason, String message) {
    this(reason, message, List.of());
  }

  /** What is wrong. */
  public Reason reason() {
    return reason;
  }

  /**
   * The steps of the main run's complete checkpoints, ascending, when the step asked for is not
   * one of them; otherwise empty. Unmodifiable.
   */
  public List<Long> availableSteps() {
    return availableSteps;
  }

  /**
   * The error for a step without a complete checkpoint in {@code run}: "runs/main has no checkpoint
   * at step 5; available: step-4, step-8".
   */
  public static BranchException unknownStep(Path run, long step, List<Long> availableSteps) {
    String available = availableSteps.isEmpty() ? "it has no complete checkpoint"
        : "available: " + String.join(", ", availableSteps.stream().map(s -> "step-" + s).toList());
    return new BranchException(Reason.UNKNOWN_STEP, run + " has no checkpoint at step " + step + "; " + available,
        availableSteps);
  }
}
