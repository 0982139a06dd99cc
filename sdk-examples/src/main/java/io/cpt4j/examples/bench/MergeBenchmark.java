package io.cpt4j.examples.bench;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeReport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * TIES (or DELLA, SCE: {@link MergeBenchMethod}) over three synthetic Llama-shaped BF16 checkpoints
 * (base + 3 tuned = base + small random deltas), BF16 out: wall time, GB/s of input and peak memory of
 * the cpt4j merge (in a child JVM), next to the sequential read speed of the same input files and a
 * numpy implementation of the same computation ({@code sdk-examples/src/main/python/ties_merge.py},
 * {@code della_merge.py}, {@code sce_merge.py}) on the same files, whose output is compared with
 * cpt4j's.
 *
 * <p>Run from the repository root: {@code ./mvnw -B -o -q package -DskipTests -pl sdk-cli,sdk-examples
 * -am && java --enable-native-access=ALL-UNNAMED -cp "sdk-examples/target/classes:sdk-cli/target/lib/*"
 * io.cpt4j.examples.bench.MergeBenchmark [--method ties|della|sce] [--size 1b|300m|100m|20m] [--work DIR] [--density 0.5]
 * [--repeats 3] [--cold] [--child-opts "-Xmx1g"] [--no-numpy]}. The inputs are generated once per
 * size (deterministic) and reused; {@code --cold} evicts the input files from the page cache
 * ({@code posix_fadvise(DONTNEED)} through python3) before every timed run, otherwise every timed
 * run starts with the files cached (read once beforehand).
 */
public final class MergeBenchmark {
  private MergeBenchmark() {}

  /** Llama shapes by size: TinyLlama-1.1B's for 1b (1.10 B parameters, 2.2 GB in BF16). */
  static ModelConfig shape(String size) {
    ModelConfig.Builder b = ModelConfig.builder(Architecture.LLAMA).vocabSize(32000);
    return switch (size) {
      case "1b" -> b.hiddenSize(2048).intermediateSize(5632).numLayers(22).numHeads(32).numKvHeads(4).build();
      case "300m" -> b.hiddenSize(1024).intermediateSize(2816).numLayers(24).numHeads(16).numKvHeads(4).build();
      case "100m" -> b.hiddenSize(768).intermediateSize(2048).numLayers(12).numHeads(12).numKvHeads(4).build();
      case "20m" -> b.hiddenSize(256).intermediateSize(688).numLayers(8).numHeads(4).numKvHeads(2).build();
      default -> throw new IllegalArgumentException("--size must be 1b, 300m, 100m or 20m, got " + size);
    };
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(args);
      return;
    }
    Map<String, String> opt = options(args);
    MergeBenchMethod method = MergeBenchMethod.of(opt.getOrDefault("method", "ties"));
    String size = opt.getOrDefault("size", "1b");
    Path work = Path.of(opt.getOrDefault("work", "sdk-examples/target/merge-bench")).resolve(size).toAbsolutePath();
    double density = Double.parseDouble(opt.getOrDefault("density", "0.5"));
    int repeats = Integer.parseInt(opt.getOrDefault("repeats", "3"));
    boolean cold = opt.containsKey("cold");
    Path script = opt.containsKey("numpy-script") ? Path.of(opt.get("numpy-script")) : method.script();
    ModelConfig config = shape(size);

    List<Path> inputs = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      Path dir = work.resolve(k == 0 ? "base" : "tuned" + k);
      if (!Files.isDirectory(dir)) {
        System.out.printf(Locale.ROOT, "generating %s (%,d parameters, BF16)%n", dir, config.parameterCount());
        CheckpointWriter.to(dir).config(config).dtype(DType.BF16).write(generated(config, k));
      }
      inputs.add(dir);
    }
    List<Path> files = new ArrayList<>();
    long largest = 0;
    for (Path dir : inputs) {
      try (Checkpoint c = Checkpoint.open(dir)) {
        files.addAll(c.files().stream().filter(f -> f.toString().endsWith(".safetensors")).toList());
        for (TensorInfo t : c.tensors()) {
          largest = Math.max(largest, t.elementCount());
        }
      }
    }
    long inputBytes = 0;
    for (Path f : files) {
      inputBytes += Files.size(f);
    }
    System.out.printf(Locale.ROOT, "%s, 3 models + base, %s input (%.2f GB), largest tensor %,d elements; "
        + "page cache: %s; %d cores%n", method.parameters(density), size, inputBytes / 1e9, largest, cold ? "cold (evicted before each run)"
        : "warm (files read before each run)", Runtime.getRuntime().availableProcessors());

    double read = Double.MAX_VALUE;
    for (int i = 0; i < repeats; i++) {
      prepare(files, cold);
      long t0 = System.nanoTime();
      sequentialRead(files);
      read = Math.min(read, (System.nanoTime() - t0) / 1e9);
    }
    List<String> childOpts = opt.containsKey("child-opts") ? List.of(opt.get("child-opts").split("\\s+")) : List.of();
    Map<String, Double> java = null;
    Path javaOut = work.resolve("out-cpt4j");
    for (int i = 0; i < repeats; i++) {
      prepare(files, cold);
      Map<String, Double> r = runChild(method, inputs, javaOut, density, childOpts);
      if (java == null || r.get("wall") < java.get("wall")) {
        java = r;
      }
    }
    double numpy = Double.NaN;
    double numpyAnon = Double.NaN;
    double numpyHwm = Double.NaN;
    String compare = "";
    if (!opt.containsKey("no-numpy")) {
      prepare(files, cold);
      Path numpyOut = work.resolve("out-numpy");
      long t0 = System.nanoTime();
      Ran ran = run(method.numpyCommand(script, inputs, numpyOut, density, javaOut));
      numpy = (System.nanoTime() - t0) / 1e9;
      numpyAnon = ran.peakAnon();
      numpyHwm = ran.hwm();
      compare = ran.output().lines().filter(l -> l.startsWith("compare:")).findFirst().orElse("compare: (none)");
    }

    double gb = inputBytes / 1e9;
    double wall = java.get("wall");
    System.out.printf(Locale.ROOT, "%-34s %9s %11s %14s%n", "case", "seconds", "input GB/s", "peak memory");
    System.out.printf(Locale.ROOT, "%-34s %9.2f %11.2f %14s%n", "sequential read (FileChannel)", read, gb / read, "-");
    System.out.printf(Locale.ROOT, "%-34s %9.2f %11.2f %14s%n", "cpt4j " + method.label + ", BF16 out (child JVM)", wall, gb / wall,
        mb(java.get("peakAnon")) + " anon");
    System.out.printf(Locale.ROOT, "%-34s %9s %11s %14s%n", "", "", "", mb(java.get("hwm")) + " VmHWM");
    if (!Double.isNaN(numpy)) {
      System.out.printf(Locale.ROOT, "%-34s %9.2f %11.2f %14s%n", "numpy " + method.label + ", BF16 out", numpy, gb / numpy,
          mb(numpyAnon) + " anon");
      System.out.printf(Locale.ROOT, "%-34s %9s %11s %14s%n", "", "", "", mb(numpyHwm) + " VmHWM");
    }
    double budgetF32 = 2.0 * largest * 4 + 256e6;
    double budgetBf16 = 2.0 * largest * 2 + 256e6;
    System.out.printf(Locale.ROOT, "cpt4j merge step alone (MergeReport.elapsed): %.2f s%n", java.get("elapsed"));
    if (!Double.isNaN(numpy)) {
      System.out.printf(Locale.ROOT, "speed-up over numpy: %.2fx (goal >= 5x)%n", numpy / wall);
    }
    System.out.printf(Locale.ROOT, "share of sequential read bandwidth: %.0f%% (goal >= 50%%)%n", 100 * read / wall);
    System.out.printf(Locale.ROOT, "peak anonymous memory %s vs goal 2 x largest tensor + 256 MB = %s (float32) / %s "
        + "(bf16); anon = peak RssAnon sampled every 20 ms; VmHWM also counts the mapped input pages%n", mb(java.get("peakAnon")), mb(budgetF32), mb(budgetBf16));
    System.out.println(compare);
  }

  private static String mb(double bytes) {
    return String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
  }

  /** Tensors computed on the fly: the base uniform in ±0.02, tuned model k = base + uniform in ±0.002. */
  static List<Tensor> generated(ModelConfig config, int model) {
    return GeneratedTensors.of(config, (t, at) -> {
      float v = uniform(t, 0, at) * 0.04f;
      return model > 0 ? v + uniform(t, model, at) * 0.004f : v;
    });
  }

  /** A deterministic value in [-0.5, 0.5) (SplitMix64 finaliser of tensor, stream and index). */
  static float uniform(int tensor, int stream, long index) {
    long z = index * 0x9E3779B97F4A7C15L + ((long) tensor << 40) + ((long) stream << 56) + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return (z >>> 40) / (float) (1 << 24) - 0.5f;
  }

  // ------------------------------------------------------------------ child: the timed merge

  private static Map<String, Double> runChild(MergeBenchMethod method, List<Path> inputs, Path out, double density,
      List<String> opts)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED"));
    cmd.addAll(opts);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MergeBenchmark.class.getName(), "--child",
        method.name(), Double.toString(density), out.toString()));
    inputs.forEach(p -> cmd.add(p.toString()));
    Ran ran = run(cmd);
    String output = ran.output();
    String line = output.lines().filter(l -> l.startsWith("RESULT ")).findFirst()
        .orElseThrow(() -> new IOException("the merge child printed no result:\n" + output));
    Map<String, Double> r = new LinkedHashMap<>();
    for (String kv : line.substring(7).split(" ")) {
      String[] p = kv.split("=");
      r.put(p[0], Double.parseDouble(p[1]));
    }
    r.put("peakAnon", (double) ran.peakAnon());
    r.put("hwm", (double) ran.hwm());
    return r;
  }

  /** {@code --child METHOD DENSITY OUT BASE A B C}: merges, then prints wall time and peak memory. */
  private static void child(String[] args) throws Exception {
    MergeBenchMethod method = MergeBenchMethod.of(args[1]);
    double density = method.density(Double.parseDouble(args[2]));
    Path out = Path.of(args[3]);
    long t0 = System.nanoTime();
    MergeReport report;
    try (Checkpoint base = Checkpoint.open(Path.of(args[4])); Checkpoint a = Checkpoint.open(Path.of(args[5]));
        Checkpoint b = Checkpoint.open(Path.of(args[6])); Checkpoint c = Checkpoint.open(Path.of(args[7]))) {
      report = Merge.builder(method.method(), base).model(new MergeInput(a, 1, density))
          .model(new MergeInput(b, 1, density)).model(new MergeInput(c, 1, density)).dtype(DType.BF16)
          .overwrite(true).build().writeTo(out);
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "RESULT wall=%.4f elapsed=%.4f%n", wall, report.elapsed().toNanos() / 1e9);
  }

  /** A field of /proc/PID/status in bytes (0 where there is none, e.g. once the process has exited). */
  private static long status(long pid, String field) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (l.startsWith(field + ":")) {
          return Long.parseLong(l.substring(field.length() + 1).replace("kB", "").strip()) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  // ------------------------------------------------------------------ reading, page cache, processes

  static long sink;

  /** Reads the files front to back with a FileChannel into one 8 MB direct buffer. */
  private static void sequentialRead(List<Path> files) throws IOException {
    ByteBuffer buf = ByteBuffer.allocateDirect(8 << 20);
    for (Path f : files) {
      try (FileChannel ch = FileChannel.open(f)) {
        while (ch.read(buf.clear()) > 0) {
          sink += buf.get(0);
        }
      }
    }
  }

  /** Warm: reads the files once; cold: evicts them from the page cache. */
  private static void prepare(List<Path> files, boolean cold) throws IOException, InterruptedException {
    if (!cold) {
      sequentialRead(files);
      return;
    }
    List<String> cmd = new ArrayList<>(List.of("python3", "-c", "import os,sys\nfor f in sys.argv[1:]:\n"
        + "  fd=os.open(f,os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED); os.close(fd)"));
    files.forEach(f -> cmd.add(f.toString()));
    run(cmd);
  }

  /** A finished process: its output, peak RssAnon (sampled every 20 ms) and last VmHWM seen. */
  record Ran(String output, long peakAnon, long hwm) {}

  private static Ran run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    StringBuilder output = new StringBuilder();
    Thread reader = Thread.ofPlatform().start(() -> {
      try {
        output.append(new String(p.getInputStream().readAllBytes()));
      } catch (IOException e) {
        output.append(e);
      }
    });
    long anon = 0;
    long hwm = 0;
    while (p.isAlive()) {
      anon = Math.max(anon, status(p.pid(), "RssAnon"));
      hwm = Math.max(hwm, status(p.pid(), "VmHWM"));
      Thread.sleep(20);
    }
    reader.join();
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd.subList(0, Math.min(3, cmd.size()))) + " failed:\n" + output);
    }
    return new Ran(output.toString(), anon, hwm);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + a);
      }
      String key = a.substring(2);
      boolean flag = key.equals("cold") || key.equals("no-numpy");
      m.put(key, flag ? "true" : args[++i]);
    }
    return m;
  }
}
