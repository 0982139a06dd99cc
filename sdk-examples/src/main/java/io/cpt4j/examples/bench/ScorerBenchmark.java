package io.cpt4j.examples.bench;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.ModelInit;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
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
 * Loglikelihood scoring throughput of {@link Scorer} on the CPU, packed (the default: requests with
 * the same context share one copy of it, several requests a row) against one right-padded row per
 * request (the harness's own batching, requests sorted longest first), on a
 * randomly initialised Llama of about 10M parameters (hidden 256, 8 layers, vocabulary 8192,
 * context 512; {@link ModelInit}, float32) and a synthetic 4-way multiple-choice task: each
 * question a context of 20–60 tokens followed by four choices of 1–8 tokens, one request per
 * choice, as lm-evaluation-harness makes them.
 *
 * <p>Both scorers run the same requests with 8,192 tokens a pass, alternately, after one warm-up
 * pass each; the best of {@code ROUNDS} rounds is reported as requests (items) per second, with the
 * ratio and the largest logprob difference between the two (they compute the same answers).
 *
 * <p>Run: {@code ./mvnw -B -o -q package -pl sdk-examples -am -DskipTests && java
 * --enable-native-access=ALL-UNNAMED -cp "sdk-examples/target/classes:sdk-core/target/classes:
 * sdk-api/target/classes:$(./mvnw -B -o -q dependency:build-classpath -pl sdk-examples
 * -Dmdep.outputFile=/dev/stdout)" io.cpt4j.examples.bench.ScorerBenchmark [THREADS] [QUESTIONS]
 * [ROUNDS]} (defaults 2, 256, 3).
 */
public final class ScorerBenchmark {
  private ScorerBenchmark() {}

  public static void main(String[] args) throws IOException {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int questions = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(8192).hiddenSize(256).numHeads(4)
        .intermediateSize(688).numLayers(8).maxPositionEmbeddings(512).build();
    Path dir = Files.createTempDirectory("cpt4j-scorer-bench-");
    try {
      ModelInit.write(config, 1, CheckpointWriter.to(dir));
      List<LoglikelihoodRequest> requests = multipleChoice(questions, config.vocabSize(), 2);
      int tokens = requests.stream().mapToInt(LoglikelihoodRequest::length).sum();
      System.out.printf(Locale.ROOT, "%,d parameters; %d threads; %d cores; %d questions, %d requests, %,d tokens;"
          + " %s %s%n", config.parameterCount(), threads, Runtime.getRuntime().availableProcessors(), questions,
          requests.size(), tokens, System.getProperty("java.vm.name"), Runtime.version());
      try (Scorer packed = Scorer.open(dir, new Scorer.Options(true, 8192, threads));
          Scorer padded = Scorer.open(dir, new Scorer.Options(false, 8192, threads))) {
        List<LoglikelihoodRequest> warmUp = requests.subList(0, Math.min(64, requests.size()));
        packed.score(warmUp);
        padded.score(warmUp);
        double bestPacked = 0;
        double bestPadded = 0;
        List<Loglikelihood> a = null;
        List<Loglikelihood> b = null;
        for (int r = 0; r < rounds; r++) {
          long start = System.nanoTime();
          a = packed.score(requests);
          double p = requests.size() / ((System.nanoTime() - start) / 1e9);
          start = System.nanoTime();
          b = padded.score(requests);
          double q = requests.size() / ((System.nanoTime() - start) / 1e9);
          System.out.printf(Locale.ROOT, "round %d: packed %.1f items/s, padded %.1f items/s%n", r + 1, p, q);
          bestPacked = Math.max(bestPacked, p);
          bestPadded = Math.max(bestPadded, q);
        }
        double diff = 0;
        for (int i = 0; i < requests.size(); i++) {
          diff = Math.max(diff, Math.abs(a.get(i).logprob() - b.get(i).logprob()));
        }
        System.out.printf(Locale.ROOT, "best: packed %.1f items/s, one padded row per item %.1f items/s, ratio %.2f"
            + " (largest logprob difference %.1e)%n", bestPacked, bestPadded, bestPacked / bestPadded, diff);
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** {@code questions} 4-way questions: a context of 20–60 tokens, four choices of 1–8 tokens each. */
  static List<LoglikelihoodRequest> multipleChoice(int questions, int vocab, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<LoglikelihoodRequest> out = new ArrayList<>();
    for (int q = 0; q < questions; q++) {
      int[] context = r.ints(20 + r.nextInt(41), 0, vocab).toArray();
      for (int c = 0; c < 4; c++) {
        out.add(new LoglikelihoodRequest(context, r.ints(1 + r.nextInt(8), 0, vocab).toArray()));
      }
    }
    return out;
  }
}
