package io.cpt4j.spi;

import io.cpt4j.backend.Backend;
import io.cpt4j.train.ContinualPretrainer;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingListener;
import io.cpt4j.train.TrainingReport;
import java.nio.file.Path;
import java.util.List;

/**
 * Service-provider interface behind {@link ContinualPretrainer}. {@code sdk-core} registers the
 * implementation in {@code META-INF/services}; users do not implement it.
 */
public interface TrainerProvider {
  /** Runs {@code config}; {@code backend} may be null (then {@link RunConfig#backend()} decides). */
  TrainingReport train(RunConfig config, Backend backend, List<TrainingListener> listeners);

  TrainingReport resume(Path runDirectory, List<TrainingListener> listeners);

  RunConfig readRunFile(Path yaml);

  /**
   * The configuration recorded in a run directory's {@code run.json} (resolved when the run
   * started).
   *
   * @throws io.cpt4j.train.TrainingException if the directory holds no readable run.json
   */
  RunConfig readRun(Path runDirectory);

  /** The steps of a run directory's complete checkpoints ({@code checkpoints/step-N/}), ascending; empty when none. */
  List<Long> checkpointSteps(Path runDirectory);
}
