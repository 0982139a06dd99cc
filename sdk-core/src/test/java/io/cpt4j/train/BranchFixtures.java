package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Main runs to branch from, and what the branch tests compare: metrics lines, weights, directory contents. */
final class BranchFixtures {
  private BranchFixtures() {}

  static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The standard tiny run of {@link TrainFixtures} (batches of 64 tokens in two micro-batches,
   * evaluations every 4 steps) with {@code schedule}, a checkpoint every 4 steps, all kept, and its
   * data cache inside its own directory (so a branch that reads it must leave it untouched).
   */
  static ContinualPretrainer main(Path root, Path output, LrSchedule schedule, long steps) {
    RunConfig c = ContinualPretrainer.fromYaml(TrainFixtures.runFile(root, output, steps, 4)).config();
    return ContinualPretrainer.from(c.newBuilder().schedule(schedule).keepLastCheckpoints(10).dataCache(null).build());
  }

  /** A listener that stops the run by throwing once {@code step} has been checkpointed. */
  static TrainingListener stopAfterCheckpoint(long step) {
    return new TrainingListener() {
      @Override
      public void onCheckpoint(long s, Path directory) {
        if (s == step) {
          throw new IllegalStateException("stopped after the checkpoint at step " + step);
        }
      }
    };
  }

  /** A listener that stops the run by throwing after step {@code step}, before it is checkpointed. */
  static TrainingListener stopAfterStep(long step) {
    return new TrainingListener() {
      @Override
      public void onStep(StepEvent e) {
        if (e.step() == step) {
          throw new IllegalStateException("stopped after step " + step);
        }
      }
    };
  }

  /** The lines of metrics.jsonl, parsed. */
  static List<JsonNode> metrics(Path run) {
    try {
      List<JsonNode> lines = new ArrayList<>();
      for (String l : Files.readAllLines(run.resolve("metrics.jsonl"))) {
        lines.add(JSON.readTree(l));
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Training lines (step, tokens, lr, loss, grad_norm, skipped) as written, of steps in [from, to]. */
  static List<String> trainingLines(Path run, long from, long to) {
    return metrics(run).stream().filter(n -> n.has("loss"))
        .filter(n -> n.get("step").asLong() >= from && n.get("step").asLong() <= to).map(JsonNode::toString).toList();
  }

  /** Every line (training, evaluation, tasks) of steps up to {@code to}, as written. */
  static List<String> linesUpTo(Path run, long to) {
    return metrics(run).stream().filter(n -> n.get("step").asLong() <= to).map(JsonNode::toString).toList();
  }

  /** Every regular file under {@code dir} by relative path, with the SHA-256 of its bytes. */
  static Map<String, String> contents(Path dir) {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
        files.put(dir.relativize(p).toString(), HexFormat.of().formatHex(digest));
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The two checkpoints hold the same tensors, bit for bit. */
  static void assertSameWeights(Path a, Path b) {
    try (Checkpoint x = Checkpoint.open(a); Checkpoint y = Checkpoint.open(b)) {
      assertThat(y.tensors()).hasSameSizeAs(x.tensors());
      for (var t : x.tensors()) {
        assertThat(y.tensor(t.name()).toFloatArray()).as(t.name()).containsExactly(x.tensor(t.name()).toFloatArray());
      }
    }
  }
}
