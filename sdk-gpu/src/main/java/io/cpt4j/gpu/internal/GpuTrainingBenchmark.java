package io.cpt4j.gpu.internal;

import io.cpt4j.backend.Backend;
import io.cpt4j.backend.Backends;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.MemoryPlan;
import io.cpt4j.backend.Precision;
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
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Training throughput of a Pythia-160M-shaped GPT-NeoX (random init as HF's: normal(0, 0.02)
 * matrices, unit norm weights, zero biases) on the GPU backend: tokens per second over timed steps
 * after warm-up, and peak device memory in use as the driver reports it (sampled every 10 ms; it
 * includes the CUDA context and PyTorch's cached blocks), beside the {@link MemoryPlan} estimate.
 * The counterpart in PyTorch is {@code sdk-gpu/bench/hf_train_bench.py}; {@code
 * sdk-gpu/bench/run_gpu_bench.sh} runs both.
 *
 * <p>Arguments (all optional): {@code --device 0 --batch 8 --seq 1024 --accum 1 --steps 20 --warmup
 * 5 --precision fp16-mixed --checkpointing false}. Prints one human line and one JSON line
 * (prefix {@code RESULT }).
 */
public final class GpuTrainingBenchmark {
  private GpuTrainingBenchmark() {}

  /** Pythia-160M's shape (EleutherAI/pythia-160m config.json). */
  public static final ModelConfig PYTHIA_160M = ModelConfig.builder(Architecture.GPT_NEOX).vocabSize(50304)
      .hiddenSize(768).intermediateSize(3072).numLayers(12).numHeads(12).maxPositionEmbeddings(2048)
      .rotaryPct(0.25).parallelResidual(true).tieWordEmbeddings(false).build();

  public static void main(String[] args) throws IOException {
    int device = 0;
    int batch = 8;
    int seq = 1024;
    int accum = 1;
    int steps = 20;
    int warmup = 5;
    Precision precision = Precision.FP16_MIXED;
    boolean checkpointing = false;
    if (args.length == 1 && args[0].equals("--smoke")) {
      smoke();
      return;
    }
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--device" -> device = Integer.parseInt(v);
        case "--batch" -> batch = Integer.parseInt(v);
        case "--seq" -> seq = Integer.parseInt(v);
        case "--accum" -> accum = Integer.parseInt(v);
        case "--steps" -> steps = Integer.parseInt(v);
        case "--warmup" -> warmup = Integer.parseInt(v);
        case "--precision" -> precision = Precision.parse(v);
        case "--checkpointing" -> checkpointing = Boolean.parseBoolean(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    CudaDriver driver = CudaDriver.load();
    Backend backend = Backends.gpu(device);
    System.out.println("backend: " + backend.description());
    long total = driver.device(device).totalMemory();
    long baselineUsed = total - driver.freeMemory(device);
    MemoryPlan plan = MemoryPlan.estimate(PYTHIA_160M, batch, seq, precision, checkpointing);
    System.out.println("estimate: " + plan.describe());

    Path dir = Files.createTempDirectory("cpt4j-bench");
    ModelInit.write(PYTHIA_160M, 1234, CheckpointWriter.to(dir));
    SessionOptions options =
        SessionOptions.builder().precision(precision).activationCheckpointing(checkpointing).build();
    AtomicLong peakUsed = new AtomicLong();
    AtomicBoolean sampling = new AtomicBoolean(true);
    final int dev = device;
    Thread sampler = Thread.ofPlatform().daemon().start(() -> {
      while (sampling.get()) {
        peakUsed.accumulateAndGet(total - driver.freeMemory(dev), Math::max);
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    SplittableRandom random = new SplittableRandom(42);
    List<Double> losses = new ArrayList<>();
    long skipped = 0;
    double seconds;
    try (Checkpoint ckpt = Checkpoint.open(dir); TrainingSession session = backend.open(ckpt, options)) {
      // as the trainer does: the next step's micro-batches are drawn and announced before this step runs
      List<Batch> current = microBatches(random, batch, seq, accum);
      long t0 = 0;
      for (int s = 0; s < warmup + steps; s++) {
        if (s == warmup) {
          t0 = System.nanoTime();
        }
        List<Batch> next = microBatches(random, batch, seq, accum);
        session.prefetch(next);
        StepResult r = session.step(current, 1e-4); // the step's one device sync
        current = next;
        if (s >= warmup) {
          losses.add(r.loss());
          skipped += r.skipped() ? 1 : 0;
        }
      }
      seconds = (System.nanoTime() - t0) / 1e9;
    } finally {
      sampling.set(false);
      sampler.interrupt();
    }
    double tokensPerSecond = (double) steps * accum * batch * seq / seconds;
    long peak = peakUsed.get() - baselineUsed;
    System.out.printf(Locale.ROOT, "cpt4j %s batch %d x %d (accum %d)%s: %.0f tokens/s, peak device memory %s "
        + "(estimate %s), first/last loss %.4f/%.4f, %d skipped%n", precision.name().toLowerCase(Locale.ROOT), batch,
        seq, accum, checkpointing ? " checkpointed" : "", tokensPerSecond, MemoryPlan.bytes(peak),
        MemoryPlan.bytes(plan.total()), losses.getFirst(), losses.getLast(), skipped);
    System.out.printf(Locale.ROOT, "RESULT {\"impl\":\"cpt4j\",\"precision\":\"%s\",\"batch\":%d,\"seq\":%d,"
        + "\"accum\":%d,\"checkpointing\":%s,\"steps\":%d,\"tokens_per_s\":%.1f,\"peak_used_bytes\":%d,"
        + "\"estimate_bytes\":%d,\"first_loss\":%.5f,\"last_loss\":%.5f,\"skipped\":%d}%n",
        precision.name().toLowerCase(Locale.ROOT), batch, seq, accum, checkpointing, steps, tokensPerSecond, peak,
        plan.total(), losses.getFirst(), losses.getLast(), skipped);
  }

  /**
   * Checks a bundled runtime without a GPU: writes and reopens a small random checkpoint (Jackson,
   * safetensors, memory mapping) and asks for the GPU backend, printing why it is unavailable.
   */
  static void smoke() throws IOException {
    Path dir = Files.createTempDirectory("cpt4j-smoke");
    ModelConfig tiny = ModelConfig.builder(Architecture.GPT_NEOX).vocabSize(128).hiddenSize(64).intermediateSize(256)
        .numLayers(2).numHeads(4).maxPositionEmbeddings(64).rotaryPct(0.25).build();
    ModelInit.write(tiny, 1, CheckpointWriter.to(dir));
    try (Checkpoint c = Checkpoint.open(dir)) {
      System.out.println("smoke: checkpoint of " + c.config().parameterCount() + " parameters written and read");
    }
    System.out.println("smoke: registered backends " + Backends.registered() + "; gpu: "
        + new GpuBackendProvider().unavailableReason().orElse("usable"));
  }

  /** Random-token micro-batches (uniform over the vocabulary), every position a target. */
  static List<Batch> microBatches(SplittableRandom r, int rows, int seq, int count) {
    List<Batch> out = new ArrayList<>();
    for (int m = 0; m < count; m++) {
      int[][] seqs = new int[rows][seq + 1];
      for (int[] s : seqs) {
        for (int i = 0; i < s.length; i++) {
          s[i] = r.nextInt(PYTHIA_160M.vocabSize());
        }
      }
      out.add(Batch.causalLm(seqs));
    }
    return out;
  }

}
