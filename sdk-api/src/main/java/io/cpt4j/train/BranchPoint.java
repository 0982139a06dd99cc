package io.cpt4j.train;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a branch run starts: a checkpoint ({@code checkpoints/step-N/}) of another run, its main
 * run. A run whose {@link RunConfig#branchOf()} is set starts from that checkpoint instead of from
 * its base, as a resume would: weights, optimizer state, data position and the data sampler's
 * random state come from it, and steps keep their numbers (the branch's first step is {@code
 * step}). The main run's directory is only read. {@link DecayBranch} builds such runs; {@code
 * run.json} records the branch point under {@code branch_of}. Immutable and thread-safe.
 *
 * @param run the main run's directory
 * @param step the step of the main run's checkpoint, at least 1
 * @param plannedTokens the token plan the data sampler measures its progress against (mixture
 *     schedules, metadata conditioning): the main run's planned tokens, or its own plan when the
 *     main run is itself a branch, so that the branch draws exactly the batches the main run would
 *     have drawn next. 0 (the default) means "read it from the main run when the branch starts";
 *     the branch's {@code run.json} records the value read.
 */
public record BranchPoint(Path run, long step, long plannedTokens) {
  public BranchPoint {
    Objects.requireNonNull(run, "run");
    if (step < 1) {
      throw new IllegalArgumentException("a branch starts from a checkpoint, at step >= 1, got step " + step);
    }
    if (plannedTokens < 0) {
      throw new IllegalArgumentException("plannedTokens must be >= 0 (0 = the main run's), got " + plannedTokens);
    }
  }

  /** The checkpoint of {@code run} at {@code step}, with the main run's token plan read when the branch starts. */
  public static BranchPoint of(Path run, long step) {
    return new BranchPoint(run, step, 0);
  }

  /** A copy with the given token plan. */
  public BranchPoint withPlannedTokens(long tokens) {
    return new BranchPoint(run, step, tokens);
  }
}
