package io.cpt4j.examples.bench;

import io.cpt4j.backend.Backend;
import io.cpt4j.backend.Backends;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.onnx.Generation;
import io.cpt4j.onnx.OnnxExport;
import io.cpt4j.onnx.OrtModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * ONNX Runtime against the DJL decoder on one randomly initialised Llama of about 10M parameters
 * (hidden 256, 8 layers, vocabulary 8192), float32, same thread count:
 *
 * <ol>
 *   <li>single-forward latency for one row of {@code SEQ} tokens: ORT ({@link OrtModel#forward} of
 *       the no-cache export, logits copied out) against DJL ({@code TrainingSession.tokenLosses}:
 *       the same forward plus a log-softmax and gather), median of timed repeats after warm-up;
 *   <li>generation speed: 256 new tokens greedily from a 16-token prompt with the KV-cache export
 *       (one single-token forward per token) against the no-cache export (the whole sequence re-run
 *       per token), tokens per second.
 * </ol>
 *
 * <p>Run: {@code ./mvnw -B -o -q package -pl sdk-examples -am -DskipTests && java
 * --enable-native-access=ALL-UNNAMED -cp "sdk-examples/target/classes:sdk-core/target/classes:
 * sdk-api/target/classes:$(./mvnw -B -o -q dependency:build-classpath -pl sdk-examples
 * -Dmdep.outputFile=/dev/stdout)" io.cpt4j.examples.bench.OnnxBenchmark [THREADS] [SEQ] [REPEATS]}
 * (defaults 2, 128, 20).
 */
public final class OnnxBenchmark {
  private OnnxBenchmark() {}

  public static void main(String[] args) throws IOException {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int seq = args.length > 1 ? Integer.parseInt(args[1]) : 128;
    int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(8192).hiddenSize(256).numHeads(4)
        .intermediateSize(688).numLayers(8).maxPositionEmbeddings(512).build();
    Path dir = Files.createTempDirectory("cpt4j-onnx-bench-");
    try {
      CheckpointWriter.to(dir.resolve("ckpt")).config(config).write(randomTensors(config, 1));
      try (Checkpoint ckpt = Checkpoint.open(dir.resolve("ckpt"))) {
        OnnxExport.of(ckpt).writeTo(dir.resolve("cached"));
        OnnxExport.of(ckpt).kvCache(false).writeTo(dir.resolve("plain"));
        Backend backend = Backends.cpu(threads);
        System.out.printf(Locale.ROOT, "%s; %d threads; %,d parameters; %d cores; %s %s%n", backend.description(),
            threads, config.parameterCount(), Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.vm.name"), Runtime.version());
        int[] row = new SplittableRandom(2).ints(seq + 1, 0, config.vocabSize()).toArray();
        double djl;
        try (TrainingSession session = backend.open(ckpt, SessionOptions.defaults())) {
          Batch batch = Batch.causalLm(new int[][] {row});
          djl = medianMillis(repeats, () -> session.tokenLosses(batch));
        }
        int[][] ids = {Arrays.copyOf(row, seq)};
        try (OrtModel plain = OrtModel.load(dir.resolve("plain"), threads);
            OrtModel cached = OrtModel.load(dir.resolve("cached"), threads)) {
          double ort = medianMillis(repeats, () -> plain.logits(ids));
          System.out.printf(Locale.ROOT, "single forward, 1 x %d tokens: ORT %.2f ms, DJL %.2f ms (ORT/DJL %.2f)%n", seq,
              ort, djl, ort / djl);
          int[] prompt = Arrays.copyOf(row, 16);
          Generation g = Generation.builder().maxNewTokens(256).stopTokens(List.of()).build();
          double withCache = tokensPerSecond(cached, prompt, g);
          double without = tokensPerSecond(plain, prompt, g);
          System.out.printf(Locale.ROOT,
              "generate 256 tokens after 16: with KV cache %.1f tokens/s, without %.1f tokens/s (%.1fx)%n", withCache,
              without, withCache / without);
        }
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static double tokensPerSecond(OrtModel m, int[] prompt, Generation g) {
    m.generate(prompt, g.newBuilder().maxNewTokens(16).build()); // warm-up
    long start = System.nanoTime();
    int n = m.generate(prompt, g).length;
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private static double medianMillis(int repeats, Runnable r) {
    for (int i = 0; i < 3; i++) {
      r.run();
    }
    double[] ms = new double[repeats];
    for (int i = 0; i < repeats; i++) {
      long start = System.nanoTime();
      r.run();
      ms[i] = (System.nanoTime() - start) / 1e6;
    }
    Arrays.sort(ms);
    return ms[repeats / 2];
  }

  private static List<Tensor> randomTensors(ModelConfig c, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Tensor> out = new ArrayList<>();
    c.expectedTensors().forEach((name, shape) -> {
      long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
      float[] data = new float[(int) Arrays.stream(dims).reduce(1, (a, b) -> a * b)];
      boolean norm = name.contains("norm");
      for (int i = 0; i < data.length; i++) {
        data[i] = norm ? 1f : (float) ((r.nextDouble() * 2 - 1) * 0.04);
      }
      out.add(Tensor.ofFloats(name, dims, data));
    });
    return out;
  }
}
