package io.cpt4j.train.internal;

import io.cpt4j.backend.Backend;
import io.cpt4j.backend.Backends;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.spi.TrainerProvider;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingException;
import io.cpt4j.train.TrainingListener;
import io.cpt4j.train.TrainingReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The trainer behind {@link io.cpt4j.train.ContinualPretrainer} (registered in META-INF/services). */
public final class CoreTrainerProvider implements TrainerProvider {
  @Override
  public TrainingReport train(RunConfig config, Backend backend, List<TrainingListener> listeners) {
    Path base = RunResolver.requireBase(config);
    RunConfig resolved = RunResolver.resolve(config, ModelConfig.read(base.resolve("config.json")));
    Path from = null;
    if (resolved.branchOf() != null) { // checked before anything is written; the main run is only read
      resolved = Branches.resolve(resolved);
      from = Branches.checkpoint(resolved.branchOf());
    }
    RunDirectory dir = new RunDirectory(resolved.output());
    if (Files.exists(dir.runJson())) {
      throw new TrainingException("output " + resolved.output() + " already holds a run (run.json): resume it with "
          + "ContinualPretrainer.resume / 'cpt4j resume', or choose another directory");
    }
    // The backend first: an unavailable one (no GPU) must not leave a run directory behind to resume.
    Backend chosen = backend != null ? backend : Backends.of(resolved.backend());
    try {
      Files.createDirectories(resolved.output());
    } catch (IOException e) {
      throw new TrainingException("cannot create the run directory " + resolved.output() + ": " + e.getMessage(), e);
    }
    if (from != null) {
      Branches.copyMetrics(resolved.branchOf(), dir); // before run.json, which makes the directory resumable
    }
    dir.writeJson(dir.runJson(), RunConfigCodec.toTree(resolved));
    return new TrainingRun(resolved, chosen, listeners).run(from);
  }

  @Override
  public TrainingReport resume(Path runDirectory, List<TrainingListener> listeners) {
    RunDirectory dir = new RunDirectory(runDirectory.toAbsolutePath().normalize());
    if (!Files.isRegularFile(dir.runJson())) {
      throw new TrainingException(runDirectory + " is not a cpt4j run directory (no run.json)");
    }
    RunConfig config = RunConfigCodec.readJson(dir.runJson());
    Optional<Path> latest = dir.latestCheckpoint();
    Path from = latest.orElse(null);
    if (from == null && config.branchOf() != null) { // a branch stopped before its first checkpoint
      from = Branches.checkpoint(config.branchOf());
    }
    return new TrainingRun(config, null, listeners).run(from);
  }

  @Override
  public RunConfig readRun(Path runDirectory) {
    RunDirectory dir = new RunDirectory(runDirectory.toAbsolutePath().normalize());
    if (!Files.isRegularFile(dir.runJson())) {
      throw new TrainingException(runDirectory + " is not a cpt4j run directory (no run.json)");
    }
    return RunConfigCodec.readJson(dir.runJson());
  }

  @Override
  public List<Long> checkpointSteps(Path runDirectory) {
    return Branches.steps(new RunDirectory(runDirectory.toAbsolutePath().normalize()).completeCheckpoints());
  }

  @Override
  public RunConfig readRunFile(Path yaml) {
    if (!Files.isRegularFile(yaml)) {
      throw new TrainingException("no such run file: " + yaml);
    }
    return RunConfigCodec.readYaml(yaml);
  }
}
