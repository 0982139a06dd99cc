package io.cpt4j.examples.bench;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Read throughput of a memory-mapped checkpoint against {@code cat FILES > /dev/null}, both from
 * the page cache, measured in the same run. Writes (once) a ~1.5 GB F32 checkpoint and its BF16
 * and F16 copies, then reads every tensor widened to float in 64K-element chunks (256 KB, cache-sized) (the way the merge engine and
 * the model loader stream). Prints best-of-N seconds and GB/s, and the ratio to cat.
 *
 * <p>Run: {@code ./mvnw -B -q install -DskipTests && java --enable-native-access=ALL-UNNAMED -cp
 * "sdk-examples/target/classes:sdk-cli/target/lib/*" io.cpt4j.examples.bench.ReadThroughputBenchmark
 * [WORK_DIR] [REPEATS]}
 */
public final class ReadThroughputBenchmark {
  private ReadThroughputBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args.length > 0 ? args[0] : "sdk-examples/target/bench");
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    ModelConfig config = ModelConfig.builder(Architecture.GPT_NEOX)
        .vocabSize(50304).hiddenSize(1024).intermediateSize(4096).numLayers(22).numHeads(16).build();
    Path f32 = work.resolve("f32");
    Path bf16 = work.resolve("bf16");
    if (!Files.isDirectory(f32)) {
      System.out.println("writing " + f32 + " (" + config.parameterCount() + " parameters)");
      CheckpointWriter.to(f32).config(config).maxShardSize(2_000_000_000L).overwrite(true).write(generated(config));
    }
    Path f16 = work.resolve("f16");
    for (Path narrow : List.of(bf16, f16)) {
      if (!Files.isDirectory(narrow)) {
        try (Checkpoint c = Checkpoint.open(f32)) {
          CheckpointWriter.to(narrow).dtype(narrow == bf16 ? DType.BF16 : DType.F16).copyFilesFrom(c).overwrite(true)
              .write(c.tensors().stream().map(t -> c.tensor(t.name())).toList());
        }
      }
    }
    System.out.printf(Locale.ROOT, "%-28s %10s %10s %8s%n", "case", "seconds", "GB/s", "vs cat");
    for (Path dir : List.of(f32, bf16, f16)) {
      List<Path> files;
      try (Checkpoint c = Checkpoint.open(dir)) {
        files = c.files();
      }
      long bytes = 0;
      for (Path f : files) {
        bytes += Files.size(f);
      }
      cat(files); // warm the page cache
      double catSeconds = best(repeats, () -> cat(files));
      double readSeconds = best(repeats, () -> readAll(dir, false));
      double parallelSeconds = best(repeats, () -> readAll(dir, true));
      double rawSeconds = best(repeats, () -> touchBytes(dir));
      String name = dir.getFileName().toString();
      row("cat " + name, catSeconds, bytes, catSeconds);
      row("readFloats " + name, readSeconds, bytes, catSeconds);
      row("readFloats " + name + " ||" + threads(), parallelSeconds, bytes, catSeconds);
      row("bytes() copy " + name, rawSeconds, bytes, catSeconds);
    }
  }

  private static void row(String name, double seconds, long bytes, double catSeconds) {
    System.out.printf(Locale.ROOT, "%-28s %10.3f %10.2f %8.2f%n", name, seconds, bytes / seconds / 1e9, catSeconds / seconds);
  }

  interface Run {
    void run() throws Exception;
  }

  private static double best(int repeats, Run r) throws Exception {
    double best = Double.MAX_VALUE;
    for (int i = 0; i < repeats; i++) {
      long t0 = System.nanoTime();
      r.run();
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return best;
  }

  private static void cat(List<Path> files) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("cat"));
    files.forEach(f -> cmd.add(f.toString()));
    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (p.waitFor() != 0) {
      throw new IOException("cat failed");
    }
  }

  static double sink;

  private static int threads() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * Opens the checkpoint and reads every tensor as floats, chunk by chunk; in parallel across
   * tensors (common pool, all cores) if asked, as a model loader or the merge engine would.
   */
  private static void readAll(Path dir, boolean parallel) {
    try (Checkpoint c = Checkpoint.open(dir)) {
      var infos = parallel ? c.tensors().parallelStream() : c.tensors().stream();
      sink += infos.mapToDouble(info -> readTensor(c.tensor(info.name()))).sum();
    }
  }

  private static double readTensor(Tensor t) {
    float[] chunk = new float[(int) Math.min(1 << 16, Math.max(1, t.elementCount()))];
    double sum = 0;
    for (long e = 0; e < t.elementCount(); e += chunk.length) {
      int n = (int) Math.min(chunk.length, t.elementCount() - e);
      t.readFloats(e, chunk, 0, n);
      sum += chunk[0] + chunk[n - 1];
    }
    return sum;
  }

  /** Opens the checkpoint and copies every tensor's raw bytes to the heap, chunk by chunk. */
  private static void touchBytes(Path dir) {
    byte[] chunk = new byte[4 << 20];
    long sum = 0;
    try (Checkpoint c = Checkpoint.open(dir)) {
      for (TensorInfo info : c.tensors()) {
        MemorySegment b = c.tensor(info.name()).bytes();
        for (long o = 0; o < b.byteSize(); o += chunk.length) {
          int n = (int) Math.min(chunk.length, b.byteSize() - o);
          MemorySegment.copy(b, java.lang.foreign.ValueLayout.JAVA_BYTE, o, chunk, 0, n);
          sum += chunk[0];
        }
      }
    }
    sink += sum;
  }

  /** Tensors whose values are computed on the fly, so writing never holds the model in memory. */
  static List<Tensor> generated(ModelConfig config) {
    return GeneratedTensors.of(config, (seed, element) -> {
      long x = element * 0x9E3779B97F4A7C15L + seed;
      return (float) ((x >>> 40) / (double) (1L << 24) - 0.5) * 0.04f;
    });
  }
}
