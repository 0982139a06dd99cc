package io.cpt4j.examples.bench;

import io.cpt4j.backend.Backends;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.Regularizer;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.Trainable;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The cost of forgetting control per training step, against the plain step measured in the same
 * run: KL and logit-swap self-distillation (one extra forward of the frozen base and the KL over
 * {@code B·T·V} logits), the L2 pull (one pass over the trainable weights), and training only one
 * layer of the model (no gradients or moments for the rest). The variants are interleaved round
 * by round and each is reported as its median step time, so background load spreads over all of
 * them.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp "sdk-examples/target/classes:sdk-cli/target/lib/*"
 * io.cpt4j.examples.bench.RegularizerCostBenchmark quickstart/base 16 256 5} (model, rows, length,
 * rounds).
 */
public final class RegularizerCostBenchmark {
  private RegularizerCostBenchmark() {}

  public static void main(String[] args) {
    Path model = Path.of(args.length > 0 ? args[0] : "quickstart/base");
    int rows = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int length = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    Map<String, SessionOptions> variants = new LinkedHashMap<>();
    variants.put("plain", SessionOptions.defaults());
    variants.put("kl", SessionOptions.builder().regularizers(List.of(Regularizer.kl(1))).build());
    variants.put("logit_swap", SessionOptions.builder().regularizers(List.of(Regularizer.logitSwap(1))).build());
    variants.put("l2", SessionOptions.builder().regularizers(List.of(Regularizer.l2(0.01))).build());
    variants.put("last layer only", SessionOptions.builder().trainable(Trainable.layers(lastLayer(model))).build());
    try (Checkpoint ckpt = Checkpoint.open(model)) {
      Batch batch = randomBatch(ckpt.config().vocabSize(), rows, length);
      Map<String, TrainingSession> sessions = new LinkedHashMap<>();
      Map<String, List<Double>> times = new LinkedHashMap<>();
      try {
        for (Map.Entry<String, SessionOptions> v : variants.entrySet()) {
          sessions.put(v.getKey(), Backends.cpu().open(ckpt, v.getValue()));
          times.put(v.getKey(), new ArrayList<>());
        }
        sessions.values().forEach(s -> s.step(List.of(batch), 1e-4)); // warm-up
        for (int r = 0; r < rounds; r++) {
          for (Map.Entry<String, TrainingSession> s : sessions.entrySet()) {
            long t0 = System.nanoTime();
            s.getValue().step(List.of(batch), 1e-4);
            times.get(s.getKey()).add((System.nanoTime() - t0) / 1e6);
          }
        }
      } finally {
        sessions.values().forEach(TrainingSession::close);
      }
      double plain = median(times.get("plain"));
      System.out.printf(Locale.ROOT, "%s: %d parameters, batch %d x %d, vocabulary %d, %d rounds, %s%n", model,
          ckpt.config().parameterCount(), rows, length, ckpt.config().vocabSize(), rounds, Backends.cpu().description());
      times.forEach((name, t) -> System.out.printf(Locale.ROOT, "  %-16s %8.1f ms/step  %5.2fx plain%n", name,
          median(t), median(t) / plain));
    }
  }

  private static int lastLayer(Path model) {
    try (Checkpoint c = Checkpoint.open(model)) {
      return c.config().numLayers() - 1;
    }
  }

  private static Batch randomBatch(int vocab, int rows, int length) {
    SplittableRandom r = new SplittableRandom(1);
    int[][] seqs = new int[rows][length + 1];
    for (int[] s : seqs) {
      for (int i = 0; i < s.length; i++) {
        s[i] = r.nextInt(vocab);
      }
    }
    return Batch.causalLm(seqs);
  }

  private static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
