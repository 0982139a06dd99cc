package io.cpt4j.examples.bench;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.ModelInit;
import io.cpt4j.eval.GenerationRequest;
import io.cpt4j.eval.Scorer;
import io.cpt4j.onnx.OnnxExport;
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
 * Greedy generation throughput of {@link Scorer#generate} (lm-evaluation-harness's {@code
 * generate_until}) on the CPU, three ways, on the randomly initialised 10.5M-parameter Llama of
 * {@link ScorerBenchmark}: the checkpoint with each step's sequences packed several a row (the
 * default), the checkpoint with one padded row a sequence, and the ONNX export with its key/value
 * cache (one prompt at a time). Each prompt is 100–300 random tokens (a few-shot prompt's size) and
 * generates exactly {@code NEW_TOKENS} tokens (no stop), so all three do the same work.
 *
 * <p>Reported: generated tokens per second, best of {@code ROUNDS}, each way warmed up once, and
 * how many prompts the three ways continued identically (they compute the same argmaxes; a random
 * model's near-ties may still flip under float rounding).
 *
 * <p>Run: as {@link ScorerBenchmark}, class {@code io.cpt4j.examples.bench.GenerationBenchmark}
 * {@code [THREADS] [PROMPTS] [NEW_TOKENS] [ROUNDS]} (defaults 2, 32, 32, 2).
 */
public final class GenerationBenchmark {
  private GenerationBenchmark() {}

  public static void main(String[] args) throws IOException {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int prompts = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    int newTokens = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(8192).hiddenSize(256).numHeads(4)
        .intermediateSize(688).numLayers(8).maxPositionEmbeddings(512).build();
    Path dir = Files.createTempDirectory("cpt4j-generation-bench-");
    try {
      Path ckpt = dir.resolve("ckpt");
      ModelInit.write(config, 1, CheckpointWriter.to(ckpt));
      try (Checkpoint c = Checkpoint.open(ckpt)) {
        OnnxExport.of(c).writeTo(dir.resolve("onnx"));
      }
      SplittableRandom r = new SplittableRandom(3);
      List<GenerationRequest> requests = new ArrayList<>();
      for (int i = 0; i < prompts; i++) {
        requests.add(new GenerationRequest(r.ints(100 + r.nextInt(201), 0, config.vocabSize()).toArray(), newTokens,
            List.of(), null));
      }
      System.out.printf(Locale.ROOT, "%,d parameters; %d threads; %d cores; %d prompts of 100-300 tokens, %d new "
          + "tokens each; %s %s%n", config.parameterCount(), threads, Runtime.getRuntime().availableProcessors(),
          prompts, newTokens, System.getProperty("java.vm.name"), Runtime.version());
      String[] names = {"checkpoint packed", "checkpoint padded", "onnx kv-cache"};
      double[] best = new double[3];
      List<List<int[]>> outputs = new ArrayList<>();
      try (Scorer packed = Scorer.open(ckpt, new Scorer.Options(true, 8192, threads));
          Scorer padded = Scorer.open(ckpt, new Scorer.Options(false, 8192, threads));
          Scorer onnx = Scorer.open(dir.resolve("onnx"), new Scorer.Options(true, 8192, threads))) {
        Scorer[] scorers = {packed, padded, onnx};
        for (Scorer s : scorers) {
          s.generate(requests.subList(0, 2));
          outputs.add(null);
        }
        for (int round = 0; round < rounds; round++) {
          StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
          for (int k = 0; k < 3; k++) {
            long start = System.nanoTime();
            List<int[]> out = scorers[k].generate(requests);
            double tps = out.stream().mapToInt(a -> a.length).sum() / ((System.nanoTime() - start) / 1e9);
            outputs.set(k, out);
            best[k] = Math.max(best[k], tps);
            line.append(String.format(Locale.ROOT, " %s %.1f tok/s,", names[k], tps));
          }
          System.out.println(line.substring(0, line.length() - 1));
        }
      }
      int same = 0;
      for (int i = 0; i < prompts; i++) {
        int[] a = outputs.get(0).get(i);
        same += Arrays.equals(a, outputs.get(1).get(i)) && Arrays.equals(a, outputs.get(2).get(i)) ? 1 : 0;
      }
      System.out.printf(Locale.ROOT, "best: %s %.1f tok/s, %s %.1f tok/s (%.2fx), %s %.1f tok/s (%.2fx); identical "
          + "continuations %d of %d%n", names[0], best[0], names[1], best[1], best[0] / best[1], names[2], best[2],
          best[2] / best[0], same, prompts);
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
