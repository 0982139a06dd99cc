package io.cpt4j.train.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.train.TrainingException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A run directory: {@code run.json}, {@code metrics.jsonl}, {@code checkpoints/step-N/} (an HF
 * checkpoint plus {@code trainer-state/}), {@code final/}, {@code plots/}, {@code report.json}.
 * Metrics are appended a line at a time (a killed run leaves at most one partial last line, which
 * readers skip); everything else is written to a temporary name and renamed.
 */
final class RunDirectory implements AutoCloseable {
  static final String TRAINER_STATE = "trainer-state";
  static final String TRAINER_JSON = "trainer.json";

  private final Path root;
  private OutputStream metrics;

  RunDirectory(Path root) {
    this.root = root;
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

  /** Appends one metrics line and hands it to the OS (a SIGKILL cannot lose it). */
  void appendMetrics(ObjectNode line) {
    try {
      if (metrics == null) {
        metrics = Files.newOutputStream(metricsFile(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      metrics.write((RunConfigCodec.JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
      metrics.flush();
    } catch (IOException e) {
      throw new TrainingException("cannot append to " + metricsFile() + ": " + e.getMessage(), e);
    }
  }

  /** Parsed metrics lines in order; a partial last line (a killed writer) is skipped. */
  List<JsonNode> readMetrics() {
    List<JsonNode> lines = new ArrayList<>();
    if (!Files.exists(metricsFile())) {
      return lines;
    }
    try (Stream<String> s = Files.lines(metricsFile(), StandardCharsets.UTF_8)) {
      for (String line : (Iterable<String>) s::iterator) {
        if (line.isBlank()) {
          continue;
        }
        try {
          lines.add(RunConfigCodec.JSON.readTree(line));
        } catch (IOException e) {
          break; // a line cut by a kill: nothing after it is trusted
        }
      }
    } catch (IOException | UncheckedIOException e) {
      throw new TrainingException("cannot read " + metricsFile() + ": " + e.getMessage(), e);
    }
    return lines;
  }

  /** Rewrites metrics.jsonl keeping only lines of steps up to {@code step} (atomically). */
  void truncateMetricsAfter(long step) {
    StringBuilder kept = new StringBuilder();
    for (JsonNode line : readMetrics()) {
      if (line.path("step").asLong(Long.MAX_VALUE) <= step) {
        kept.append(line.toString()).append('\n');
      }
    }
    try {
      closeMetrics();
      AtomicFiles.write(metricsFile(), kept.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new TrainingException("cannot rewrite " + metricsFile() + ": " + e.getMessage(), e);
    }
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

  void closeMetrics() throws IOException {
    if (metrics != null) {
      metrics.close();
      metrics = null;
    }
  }

  @Override
  public void close() {
    try {
      closeMetrics();
    } catch (IOException e) {
      throw new TrainingException("cannot close " + metricsFile() + ": " + e.getMessage(), e);
    }
  }
}
