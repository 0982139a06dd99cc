package io.cpt4j.train.internal;

import io.cpt4j.report.internal.RunPlots;
import io.cpt4j.train.TrainingException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes the run's plots from metrics.jsonl; a plot that cannot be drawn is a warning, not a failure. */
final class Plotting {
  private static final Logger LOG = LoggerFactory.getLogger("io.cpt4j.train");

  private Plotting() {}

  static void write(Path metrics, Path plots) {
    try {
      RunPlots.write(metrics, plots);
    } catch (TrainingException | IllegalStateException e) {
      LOG.warn("plots not written to {}: {}", plots, e.getMessage());
    }
  }
}
