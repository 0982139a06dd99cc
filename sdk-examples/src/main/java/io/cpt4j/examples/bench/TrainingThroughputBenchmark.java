package io.cpt4j.examples.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.cpt4j.backend.Backend;
import io.cpt4j.backend.Backends;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.StepResult;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.ModelInit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * CPU training throughput of the FP32 training session (default AdamW, no accumulation, no
 * activation checkpointing) on three randomly initialised Llama models of about 1M, 10M and 30M
 * parameters, against the fp32 matmul throughput of the same libtorch on the same threads, measured
 * in the same run.
 *
 * <p>FLOPs of a step: {@code tokens · (6·N + 12·L·T·d_attn)}, where {@code N} = every parameter
 * but the input embedding (the decoder layers, the final norm and the LM head, whose matmul costs
 * like any other weight), {@code L} layers, {@code T} the sequence length and {@code d_attn = nh·hd};
 * {@code 12·L·T·d_attn} is QKᵀ and AV, 2·T·d_attn each per token and layer, times three for forward
 * and backward, over the full T×T square the implementation computes (the causal mask does not
 * skip work). Forward-only FLOPs are a third of that.
 *
 * <p>Per model it prints: the full step ({@code session.step}, one micro-batch), the forward alone
 * ({@code session.loss}, no autograd), and the step of a 1×16-token batch, whose matmul work is
 * negligible, as an estimate of the per-step cost proportional to the parameters (gradient norm,
 * clipping, AdamW, zeroing the gradients). The backward is what remains:
 * {@code step − forward − fixed}. Runs during which other processes kept the cores busy are left
 * out and counted (see {@link #time}).
 *
 * <p>Run (the module's classes first, so that the build's sdk-core is timed, not an installed one):
 * {@code ./mvnw -B -o -q package -pl sdk-examples -am -DskipTests && java
 * --enable-native-access=ALL-UNNAMED -cp "sdk-examples/target/classes:sdk-core/target/classes:
 * sdk-api/target/classes:$(./mvnw -B -o -q dependency:build-classpath -pl sdk-examples
 * -Dmdep.outputFile=/dev/stdout)" io.cpt4j.examples.bench.TrainingThroughputBenchmark [THREADS]
 * [SECONDS_PER_MODEL] [ROWS]} (defaults 2, 12, 8).
 */
public final class TrainingThroughputBenchmark {
  private TrainingThroughputBenchmark() {}

  static final int SEQ = 256;
  static final int VOCAB = 8192;

  record Model(String name, ModelConfig config) {}

  static List<Model> models() {
    return List.of(
        new Model("llama-1M", llama(64, 4, 172, 2)),
        new Model("llama-10M", llama(256, 4, 688, 8)),
        new Model("llama-30M", llama(512, 8, 1376, 7)));
  }

  static ModelConfig llama(int hidden, int heads, int intermediate, int layers) {
    return ModelConfig.builder(Architecture.LLAMA).vocabSize(VOCAB).hiddenSize(hidden).numHeads(heads)
        .intermediateSize(intermediate).numLayers(layers).maxPositionEmbeddings(SEQ).build();
  }

  public static void main(String[] args) throws IOException {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 12;
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    Backend backend = Backends.cpu(threads);
    System.out.println(backend.description() + "; " + Runtime.getRuntime().availableProcessors() + " cores; "
        + System.getProperty("java.vm.name") + " " + Runtime.version());
    int tokens = rows * SEQ;
    System.out.printf(Locale.ROOT, "batch: %d rows × %d positions = %d tokens per step, FP32, AdamW defaults, lr 1e-4%n%n",
        rows, SEQ, tokens);

    List<Model> models = models();
    double peakBefore = matmulBaseline(threads, tokens, models);
    List<Result> results = new ArrayList<>();
    Path work = Files.createTempDirectory("cpt4j-train-bench");
    try {
      for (Model m : models) {
        results.add(run(backend, m, work.resolve(m.name()), rows, seconds, peakBefore));
      }
    } finally {
      deleteTree(work);
    }
    double peakAfter = matmulBaseline(threads, tokens, models);
    double peak = Math.max(peakBefore, peakAfter);
    System.out.printf(Locale.ROOT, "%nfp32 matmul peak, %d threads: %.1f GFLOP/s (best shape; %.1f before the models, %.1f after)%n%n",
        threads, peak / 1e9, peakBefore / 1e9, peakAfter / 1e9);
    System.out.println("| model | params | N | L×H, heads×hd, inter | MFLOP/token | step s | tokens/s | GFLOP/s "
        + "| vs matmul peak | fwd s | fwd GFLOP/s | fixed s | bwd s (rest) | runs left out |");
    System.out.println("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Result r : results) {
      ModelConfig c = r.model().config();
      System.out.printf(Locale.ROOT, "| %s | %,d | %,d | %d×%d, %d×%d, %d | %.1f | %.3f | %.0f | %.2f | **%.2f** | %.3f | %.2f "
              + "| %.3f | %.3f | %d |%n",
          r.model().name(), c.parameterCount(), r.n(), c.numLayers(), c.hiddenSize(), c.numHeads(), c.headDim(),
          c.intermediateSize(), r.flopsPerToken() / 1e6, r.step(), r.tokensPerSecond(), r.flops() / 1e9, r.flops() / peak,
          r.forward(), r.forwardFlops() / 1e9, r.fixed(), r.step() - r.forward() - r.fixed(), r.disturbed());
    }
  }

  /**
   * Seconds are means per step (forward: per {@code loss} call; fixed: median of tiny steps) over
   * undisturbed runs; {@code disturbed} counts the runs left out.
   */
  record Result(Model model, long n, double flopsPerToken, int tokens, double step, double forward, double fixed,
      int disturbed) {
    double tokensPerSecond() {
      return tokens / step;
    }

    double flops() {
      return flopsPerToken * tokens / step;
    }

    double forwardFlops() {
      return flopsPerToken / 3 * tokens / forward;
    }
  }

  // ------------------------------------------------------------------------------- training

  static Result run(Backend backend, Model m, Path dir, int rows, double seconds, double peak) {
    ModelConfig c = m.config();
    ModelInit.write(c, 42, CheckpointWriter.to(dir).overwrite(true)); // as transformers initialises, F32
    long total = c.parameterCount();
    long embedding = (long) c.vocabSize() * c.hiddenSize();
    long n = total - embedding; // layers + final norm + LM head
    long dAttn = (long) c.numHeads() * c.headDim();
    double attnPerToken = 12.0 * c.numLayers() * SEQ * dAttn;
    double flopsPerToken = 6.0 * n + attnPerToken;
    int tokens = rows * SEQ;
    System.out.printf(Locale.ROOT, "%s: %,d parameters (%,d embedding, N = %,d), %d layers, hidden %d, %d heads × %d, "
            + "intermediate %d, vocab %d; %.1f MFLOP/token (6N %.1f + attention %.1f)%n",
        m.name(), total, embedding, n, c.numLayers(), c.hiddenSize(), c.numHeads(), c.headDim(),
        c.intermediateSize(), c.vocabSize(), flopsPerToken / 1e6, 6.0 * n / 1e6, attnPerToken / 1e6);

    SplittableRandom random = new SplittableRandom(7);
    List<Batch> batches = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      batches.add(randomBatch(random, rows, SEQ, c.vocabSize()));
    }
    Batch tiny = randomBatch(random, 1, 16, c.vocabSize());
    double lr = 1e-4;
    try (Checkpoint checkpoint = Checkpoint.open(dir);
        TrainingSession session = backend.open(checkpoint, SessionOptions.defaults())) {
      if (session.parameterCount() != total) {
        throw new IllegalStateException("session has " + session.parameterCount() + " parameters, config " + total);
      }
      // warm-up: allocator, autograd graph, optimizer state
      double firstLoss = session.step(List.of(batches.get(0)), lr).loss();
      session.step(List.of(batches.get(1)), lr);
      session.loss(batches.get(0));

      StepResult[] last = new StepResult[1];
      Timing step = time(seconds, i -> last[0] = session.step(List.of(batches.get(i % batches.size())), lr));
      Timing forward = time(seconds / 3, i -> session.loss(batches.get(i % batches.size())));
      session.step(List.of(tiny), lr);
      Timing fixed = time(seconds / 6, i -> session.step(List.of(tiny), lr));

      Result r = new Result(m, n, flopsPerToken, tokens, step.mean(), forward.mean(), fixed.median(),
          step.disturbed() + forward.disturbed() + fixed.disturbed());
      double rest = r.step() - r.forward() - r.fixed();
      System.out.printf(Locale.ROOT, "  step: %.3f s, %.0f tokens/s, %.2f GFLOP/s = %.2f of matmul peak; loss %.3f → %.3f, "
              + "grad norm %.3f [%s]%n",
          r.step(), r.tokensPerSecond(), r.flops() / 1e9, r.flops() / peak, firstLoss, last[0].loss(), last[0].gradNorm(),
          step);
      System.out.printf(Locale.ROOT, "  forward (session.loss): %.3f s = %.0f%% of the step, %.2f GFLOP/s = %.2f of peak [%s]%n",
          r.forward(), 100 * r.forward() / r.step(), r.forwardFlops() / 1e9, r.forwardFlops() / peak, forward);
      System.out.printf(Locale.ROOT, "  fixed per-step cost (1×16-token step): median %.3f s = %.0f%% of the step [%s]%n",
          r.fixed(), 100 * r.fixed() / r.step(), fixed);
      System.out.printf(Locale.ROOT, "  backward (step − forward − fixed): %.3f s = %.0f%% of the step, %.2f GFLOP/s for its 2/3 "
              + "of the FLOPs%n%n",
          rest, 100 * rest / r.step(), 2 * flopsPerToken / 3 * tokens / rest / 1e9);
      return r;
    }
  }

  /**
   * Times {@code op(0), op(1), …} until {@code seconds} of undisturbed runs (at least 3) are in, or
   * four times the budget has passed. A run is disturbed when other processes kept more than 0.1 core
   * busy during it: on two cores every multi-threaded op then waits for its descheduled thread, and
   * the run says nothing about the code. Statistics are over the undisturbed runs (all runs if none).
   */
  static Timing time(double seconds, java.util.function.IntConsumer op) {
    List<Double> clean = new ArrayList<>();
    List<Double> all = new ArrayList<>();
    CpuSample start = CpuSample.now();
    double cleanSum = 0;
    for (int i = 0; clean.size() < 3 || cleanSum < seconds; i++) {
      if ((System.nanoTime() - start.wallNanos()) / 1e9 > 4 * seconds && all.size() >= 3) {
        break;
      }
      CpuSample before = CpuSample.now();
      op.accept(i);
      CpuSample after = CpuSample.now();
      double s = (after.wallNanos() - before.wallNanos()) / 1e9;
      all.add(s);
      if (!(after.otherCores(before) > 0.1)) {
        clean.add(s);
        cleanSum += s;
      }
    }
    return new Timing(clean.isEmpty() ? all : clean, all.size() - clean.size());
  }

  /** Run times in seconds and how many disturbed runs were left out. */
  record Timing(List<Double> seconds, int disturbed) {
    double mean() {
      return seconds.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    double median() {
      double[] s = seconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    @Override
    public String toString() {
      double min = seconds.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
      double max = seconds.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
      return String.format(Locale.ROOT, "%d runs, mean %.3f s, min %.3f, max %.3f%s", seconds.size(), mean(), min, max,
          disturbed == 0 ? "" : String.format(Locale.ROOT, "; %d disturbed runs left out", disturbed));
    }
  }

  static Batch randomBatch(SplittableRandom random, int rows, int length, int vocab) {
    int[][] seqs = new int[rows][length + 1];
    for (int[] s : seqs) {
      for (int i = 0; i < s.length; i++) {
        s[i] = random.nextInt(vocab);
      }
    }
    return Batch.causalLm(seqs);
  }

  // ------------------------------------------------------------------------------- matmul baseline

  /**
   * fp32 {@code a.matMul(b)} through DJL on the engine's intra-op threads: square shapes and each
   * model's linear layers as the decoder runs them ({@code x · Wᵀ} with W stored out × in).
   * Returns the best FLOP/s seen.
   */
  static double matmulBaseline(int threads, int tokens, List<Model> models) {
    Engine engine = Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(threads);
    System.out.printf(Locale.ROOT, "fp32 matmul baseline, libtorch %s, %d intra-op threads%n", engine.getVersion(),
        JniUtils.getNumThreads());
    System.out.printf(Locale.ROOT, "  %-44s %10s %10s%n", "m × k · k × n", "ms", "GFLOP/s");
    List<long[]> shapes = new ArrayList<>(); // m, k, n, transposedWeight (0/1)
    shapes.add(new long[] {1024, 1024, 1024, 0});
    shapes.add(new long[] {2048, 2048, 2048, 0});
    for (Model m : models) {
      ModelConfig c = m.config();
      long h = c.hiddenSize();
      shapes.add(new long[] {tokens, h, 4 * h, 0});
      shapes.add(new long[] {tokens, h, c.intermediateSize(), 1});
      shapes.add(new long[] {tokens, h, c.vocabSize(), 1});
    }
    double best = 0;
    CpuSample cpu0 = CpuSample.now();
    try (NDManager manager = engine.newBaseManager()) {
      for (long[] s : shapes) {
        double f = matmul(manager, s[0], s[1], s[2], s[3] == 1);
        best = Math.max(best, f);
        System.out.printf(Locale.ROOT, "  %-44s %10.3f %10.2f%n",
            s[0] + " × " + s[1] + " · " + s[1] + " × " + s[2] + (s[3] == 1 ? " (x·Wᵀ)" : ""),
            2.0 * s[0] * s[1] * s[2] / f * 1e3, f / 1e9);
      }
    }
    System.out.printf(Locale.ROOT, "  best: %.2f GFLOP/s; other processes meanwhile: %.2f cores busy%n%n", best / 1e9,
        CpuSample.now().otherCores(cpu0));
    return best;
  }

  /** Best of 5 rounds of the FLOP/s of {@code m×k · k×n}, each round ≥ 0.2 s. */
  static double matmul(NDManager parent, long m, long k, long n, boolean transposed) {
    try (NDManager manager = parent.newSubManager()) {
      NDArray a = manager.randomUniform(-1, 1, new Shape(m, k));
      NDArray b = transposed ? manager.randomUniform(-1, 1, new Shape(n, k)).transpose()
          : manager.randomUniform(-1, 1, new Shape(k, n));
      double flop = 2.0 * m * k * n;
      for (int i = 0; i < 2; i++) {
        a.matMul(b).close();
      }
      double best = 0;
      for (int round = 0; round < 5; round++) {
        int reps = 0;
        long t0 = System.nanoTime();
        long elapsed;
        do {
          a.matMul(b).close();
          reps++;
          elapsed = System.nanoTime() - t0;
        } while (elapsed < 200_000_000L);
        best = Math.max(best, flop * reps / (elapsed / 1e9));
      }
      return best;
    }
  }

  // ------------------------------------------------------------------------------- helpers

  /**
   * CPU time used so far by the whole machine (from {@code /proc/stat}, Linux; NaN elsewhere) and by
   * this process: the difference between two samples says how busy other processes kept the cores,
   * which makes a run on a shared machine slow in ways no repetition averages out (a multi-threaded
   * op waits for its slowest thread).
   */
  record CpuSample(long wallNanos, double machineSeconds, double selfSeconds) {
    static CpuSample now() {
      double machine = Double.NaN;
      try {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i : new int[] {1, 2, 3, 6, 7}) { // user nice system irq softirq
          busy += Long.parseLong(f[i]);
        }
        machine = busy / 100.0; // USER_HZ
      } catch (IOException | RuntimeException e) {
        // not Linux: unknown
      }
      var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      return new CpuSample(System.nanoTime(), machine, os.getProcessCpuTime() / 1e9);
    }

    /** Average number of cores that other processes kept busy since {@code start}. */
    double otherCores(CpuSample start) {
      double wall = (wallNanos - start.wallNanos) / 1e9;
      return Math.max(0, (machineSeconds - start.machineSeconds) - (selfSeconds - start.selfSeconds)) / wall;
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
