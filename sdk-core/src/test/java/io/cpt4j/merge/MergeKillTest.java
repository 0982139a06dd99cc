package io.cpt4j.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL during a merge: a child JVM merges three generated checkpoints (TIES, BF16 out, 4 MB
 * shards); the test kills it as soon as shard bytes appear in the staging directory, then checks that
 * nothing exists under the output name (only the hidden {@code .out.partial-*} staging directory) and
 * that running the merge again succeeds and removes the killed run's staging directory.
 */
class MergeKillTest {
  @TempDir Path dir;

  static final ModelConfig CONFIG = ModelConfig.builder(Architecture.LLAMA)
      .vocabSize(2048).hiddenSize(512).intermediateSize(1408).numLayers(4).numHeads(8).numKvHeads(8).build();

  /** Values generated from (seed, tensor, index) on demand: writing them needs no big arrays. */
  record Generated(TensorInfo info, long seed, float scale) implements Tensor {
    @Override
    public MemorySegment bytes() {
      throw new UnsupportedOperationException("generated");
    }

    @Override
    public void readFloats(long fromElement, float[] dst, int offset, int length) {
      long key = seed * 0x9E3779B97F4A7C15L ^ info.name().hashCode();
      for (int i = 0; i < length; i++) {
        long z = key + (fromElement + i) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 31)) * 0x94D049BB133111EBL;
        dst[offset + i] = ((z >>> 40) / (float) (1 << 24) - 0.5f) * scale;
      }
    }
  }

  static void generate(Path out, long seed, float scale) {
    List<Tensor> tensors = new ArrayList<>();
    CONFIG.expectedTensors().forEach((name, shape) -> tensors.add(
        new Generated(TensorInfo.of(name, DType.F32, shape.stream().mapToLong(Long::longValue).toArray()), seed, scale)));
    CheckpointWriter.to(out).config(CONFIG).dtype(DType.BF16).write(tensors);
  }

  /** The child: {@code base a b c out}. */
  public static final class Child {
    public static void main(String[] args) {
      try (Checkpoint base = Checkpoint.open(Path.of(args[0])); Checkpoint a = Checkpoint.open(Path.of(args[1]));
          Checkpoint b = Checkpoint.open(Path.of(args[2])); Checkpoint c = Checkpoint.open(Path.of(args[3]))) {
        merge(base, a, b, c).writeTo(Path.of(args[4]));
      }
    }
  }

  static Merge merge(Checkpoint base, Checkpoint a, Checkpoint b, Checkpoint c) {
    return Merge.builder(new MergeMethod.Ties(1, true), base).model(new MergeInput(a, 1, 0.5))
        .model(new MergeInput(b, 1, 0.5)).model(new MergeInput(c, 1, 0.5)).dtype(DType.BF16)
        .maxShardSize(4_000_000).build();
  }

  @Test
  void aKilledMergeLeavesNothingUnderTheOutputNameAndARerunSucceeds() throws Exception {
    List<Path> inputs = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      Path p = dir.resolve("m" + k);
      generate(p, k, k == 0 ? 0.2f : 0.02f);
      inputs.add(p);
    }
    Path out = dir.resolve("out");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), Child.class.getName()));
    inputs.forEach(p -> command.add(p.toString()));
    command.add(out.toString());
    Process child = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("child.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && child.isAlive() && stagedShardBytes(out) == 0) {
      Thread.sleep(1);
    }
    assertThat(child.isAlive()).as("child still merging (log: %s)", Files.readString(dir.resolve("child.log"))).isTrue();
    child.destroyForcibly(); // SIGKILL
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

    assertThat(out).doesNotExist();
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.contains("out")))
          .isNotEmpty().allMatch(n -> n.startsWith(".out.partial-"));
    }

    try (Checkpoint base = Checkpoint.open(inputs.get(0)); Checkpoint a = Checkpoint.open(inputs.get(1));
        Checkpoint b = Checkpoint.open(inputs.get(2)); Checkpoint c = Checkpoint.open(inputs.get(3))) {
      MergeReport report = merge(base, a, b, c).writeTo(out);
      assertThat(report.mergedTensors()).isEqualTo(CONFIG.expectedTensors().size());
    }
    try (Checkpoint merged = Checkpoint.open(out)) {
      assertThat(merged.tensors()).extracting(TensorInfo::name)
          .containsExactlyInAnyOrderElementsOf(CONFIG.expectedTensors().keySet());
      assertThat(merged.files().stream().filter(f -> f.toString().endsWith(".safetensors")).count()).isGreaterThan(1);
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.contains("out"))).containsExactly("out");
    }
  }

  /** Bytes in the safetensors files of the staging directories next to {@code out}. */
  private static long stagedShardBytes(Path out) throws IOException {
    long n = 0;
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(out.getParent(), ".out.partial-*")) {
      for (Path d : dirs) {
        try (Stream<Path> files = Files.list(d)) {
          for (Path f : files.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
            n += Files.size(f);
          }
        }
      }
    } catch (IOException e) {
      return 0; // renamed or removed while listing
    }
    return n;
  }
}
