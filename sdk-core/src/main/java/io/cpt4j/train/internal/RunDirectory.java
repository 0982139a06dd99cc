package io.cpt4j.train.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.report.internal.MetricsFile;
import io.cpt4j.train.TrainingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A run directory: {@code run.json}, {@code metrics.jsonl}, {@code checkpoints/step-N/} (an HF
 * checkpoint plus {@code trainer-state/}), {@code final/}, {@code plots/}, {@code report.json}.
 * Metrics are appended a line at a time through {@link MetricsFile} (a killed run leaves at most one
 * partial last line, which readers skip); everything else is written to a temporary name and renamed.
 */
final class RunDirectory implements AutoCloseable {
  static final String TRAINER_STATE = "trainer-state";
  static final String TRAINER_JSON = "trainer.json";

  private final Path root;
  private final MetricsFile metrics;

  RunDirectory(Path root) {
    this.root = root;
    this.metrics = MetricsFile.at(metricsFile());
  }

  Path root() {
    return root;
  }

  Path runJson() {
    return root.resolve("run.json");
  }

  Path metricsFile() {
    return root.resolve("metrics.jsonl");
  }

  Path checkpoints() {
    return root.resolve("checkpoints");
  }

  Path finalModel() {
    return root.resolve("final");
  }

  Path plots() {
    return root.resolve("plots");
  }

  Path checkpoint(long step) {
    return checkpoints().resolve("step-" + step);
  }

  void writeJson(Path file, JsonNode node) {
    try {
      Files.createDirectories(file.getParent());
      AtomicFiles.write(file, RunConfigCodec.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
    } catch (IOException e) {
      throw new TrainingException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** The run's metrics.jsonl, to append to, read and truncate; closed with this directory. */
  MetricsFile metrics() {
    return metrics;
  }

  /** Complete checkpoints (their trainer state written), newest first. */
  List<Path> completeCheckpoints() {
    if (!Files.isDirectory(checkpoints())) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(checkpoints())) {
      return s.filter(p -> p.getFileName().toString().matches("step-\\d+"))
          .filter(p -> Files.isRegularFile(p.resolve(TRAINER_STATE).resolve(TRAINER_JSON)))
          .sorted(Comparator.comparingLong(RunDirectory::stepOf).reversed())
          .toList();
    } catch (IOException e) {
      throw new TrainingException("cannot list " + checkpoints() + ": " + e.getMessage(), e);
    }
  }

  Optional<Path> latestCheckpoint() {
    return completeCheckpoints().stream().findFirst();
  }

  static long stepOf(Path checkpoint) {
    return Long.parseLong(checkpoint.getFileName().toString().substring("step-".length()));
  }

  /** Deletes all but the newest {@code keep} complete checkpoints and any staging leftovers. */
  void prune(int keep) {
    List<Path> all = completeCheckpoints();
    try {
      for (Path old : all.subList(Math.min(keep, all.size()), all.size())) {
        AtomicFiles.deleteTree(old);
      }
      try (Stream<Path> s = Files.list(checkpoints())) {
        for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".")).toList()) {
          AtomicFiles.deleteTree(p);
        }
      }
    } catch (IOException e) {
      throw new TrainingException("cannot prune " + checkpoints() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    metrics.close();
  }
}
