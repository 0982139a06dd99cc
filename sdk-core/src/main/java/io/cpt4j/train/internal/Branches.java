package io.cpt4j.train.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.train.BranchException;
import io.cpt4j.train.BranchException.Reason;
import io.cpt4j.train.BranchPoint;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Branch runs ({@link RunConfig#branchOf()}): the checks before one starts, its start checkpoint in
 * the main run, the main run's metrics it starts from, and its {@code branch_of} entry in {@code
 * run.json}. The main run's directory is only ever read here. Stateless.
 */
final class Branches {
  static final String KEY = "branch_of";

  private Branches() {}

  /**
   * A resolved branch configuration checked against its main run and output, with the main run's
   * token plan filled in. Reads the main run's run.json and checkpoint list; writes nothing.
   *
   * @throws BranchException if the main run or its checkpoint is missing, the branch takes no step,
   *     or the output is not empty or lies inside the main run
   */
  static RunConfig resolve(RunConfig resolved) {
    BranchPoint point = resolved.branchOf();
    Path main = point.run().toAbsolutePath().normalize();
    Path mainJson = new RunDirectory(main).runJson();
    if (!Files.isRegularFile(mainJson)) {
      throw new BranchException(Reason.NOT_A_RUN, "branch_of: " + main + " is not a cpt4j run directory (no run.json)");
    }
    if (point.step() >= resolved.steps()) {
      throw new BranchException(Reason.BAD_DECAY, "a branch from step " + point.step() + " of a run of "
          + resolved.steps() + " steps takes no step: the run must end after its branch point");
    }
    Path out = resolved.output();
    if (out.startsWith(main)) {
      throw new BranchException(Reason.BAD_OUTPUT, "output " + out + " lies inside the main run's directory " + main
          + ", which a branch leaves untouched: choose a directory outside it");
    }
    if (isNonEmpty(out)) {
      throw new BranchException(Reason.BAD_OUTPUT, "output " + out
          + " exists and is not empty: a branch writes a new run directory; choose another or remove it");
    }
    checkpoint(point);
    long plan = point.plannedTokens();
    if (plan == 0) {
      RunConfig mainConfig = RunConfigCodec.readJson(mainJson);
      plan = mainConfig.branchOf() != null ? mainConfig.branchOf().plannedTokens() : mainConfig.tokens();
    }
    return resolved.newBuilder().branchOf(new BranchPoint(main, point.step(), plan)).build();
  }

  /**
   * The main run's complete checkpoint the branch starts from.
   *
   * @throws BranchException listing the available steps if there is none at the branch point
   */
  static Path checkpoint(BranchPoint point) {
    RunDirectory main = new RunDirectory(point.run().toAbsolutePath().normalize());
    List<Path> complete = main.completeCheckpoints();
    Path wanted = main.checkpoint(point.step());
    if (!complete.contains(wanted)) {
      throw BranchException.unknownStep(main.root(), point.step(), steps(complete));
    }
    return wanted;
  }

  /** The steps of complete checkpoints, ascending ({@link RunDirectory#completeCheckpoints} lists them newest first). */
  static List<Long> steps(List<Path> checkpoints) {
    return checkpoints.stream().map(RunDirectory::stepOf).sorted().toList();
  }

  /**
   * Copies the main run's metrics.jsonl into the branch's directory (atomically), so the branch's
   * metrics, plots and report start with the main run's path; the start truncates it after the
   * branch point like a resume does.
   */
  static void copyMetrics(BranchPoint point, RunDirectory branch) {
    Path from = new RunDirectory(point.run()).metricsFile();
    if (!Files.isRegularFile(from)) {
      return;
    }
    try {
      AtomicFiles.write(branch.metricsFile(), tmp -> Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING));
    } catch (IOException e) {
      throw new TrainingException("cannot copy " + from + " to " + branch.metricsFile() + ": " + e.getMessage(), e);
    }
  }

  /** The {@code branch_of} entry of run.json: run (absolute), step, planned_tokens. */
  static ObjectNode toTree(BranchPoint p) {
    return RunConfigCodec.JSON.createObjectNode().put("run", p.run().toAbsolutePath().toString())
        .put("step", p.step()).put("planned_tokens", p.plannedTokens());
  }

  /** A {@code branch_of} entry; {@code run} relative to {@code dir}, {@code planned_tokens} optional (0). */
  static BranchPoint fromTree(JsonNode n, Path dir) {
    RunConfigCodec.checkKeys(n, Set.of("run", "step", "planned_tokens"), KEY + ".");
    JsonNode run = n.get("run");
    JsonNode step = n.get("step");
    if (run == null || !run.isTextual() || run.asText().isBlank()) {
      throw new IllegalArgumentException(KEY + ".run is required: the main run's directory");
    }
    if (step == null || !step.canConvertToExactIntegral()) {
      throw new IllegalArgumentException(KEY + ".step is required: the step of the main run's checkpoint, got " + step);
    }
    JsonNode plan = n.path("planned_tokens");
    if (!plan.isMissingNode() && !plan.canConvertToExactIntegral()) {
      throw new IllegalArgumentException(KEY + ".planned_tokens must be a whole number, got " + plan);
    }
    return new BranchPoint(dir.resolve(run.asText()).normalize(), step.asLong(), plan.asLong(0));
  }

  private static boolean isNonEmpty(Path dir) {
    if (!Files.exists(dir)) {
      return false;
    }
    if (!Files.isDirectory(dir)) {
      return true;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isPresent();
    } catch (IOException e) {
      throw new TrainingException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }
}
