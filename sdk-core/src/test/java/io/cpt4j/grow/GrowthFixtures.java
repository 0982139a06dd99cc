package io.cpt4j.grow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.backend.TestSessions;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Shared by the growth tests: random bases and the comparison of log-probabilities before and after. */
final class GrowthFixtures {
  private GrowthFixtures() {}

  /**
   * A random checkpoint of {@code config} (normal(0, 0.05) weights, unit norms) whose config.json
   * carries a key cpt4j does not model ({@code "custom_note": "kept"}), and a generation_config.json.
   */
  static Path base(Path dir, ModelConfig config, long seed) {
    TestSessions.tinyCheckpoint(dir, config, seed).close();
    try {
      Path json = dir.resolve("config.json");
      Files.writeString(json, Files.readString(json).replaceFirst("\\{", "{\"custom_note\": \"kept\","));
      Files.writeString(dir.resolve("generation_config.json"), "{\"max_new_tokens\": 7}\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /**
   * Scores six random requests with both checkpoints, asserts every log-probability of {@code grown}
   * within {@code tolerance} of the base's and that the base is not a uniform model, and returns the
   * largest difference.
   */
  static double largestLogprobDifference(Path base, Path grown, int vocab, double tolerance) {
    Random r = new Random(9);
    List<LoglikelihoodRequest> requests = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      requests.add(new LoglikelihoodRequest(r.ints(3 + r.nextInt(20), 0, vocab).toArray(),
          r.ints(1 + r.nextInt(6), 0, vocab).toArray()));
    }
    List<Loglikelihood> before;
    try (Scorer s = Scorer.open(base)) {
      before = s.score(requests);
    }
    List<Loglikelihood> after;
    try (Scorer s = Scorer.open(grown)) {
      after = s.score(requests);
    }
    double worst = 0;
    double uniform = 0;
    for (int i = 0; i < requests.size(); i++) {
      assertThat(after.get(i).logprob()).as("%s request %d", grown, i)
          .isCloseTo(before.get(i).logprob(), within(tolerance));
      worst = Math.max(worst, Math.abs(after.get(i).logprob() - before.get(i).logprob()));
      uniform = Math.max(uniform, Math.abs(before.get(i).logprob()
          + requests.get(i).continuation().length * Math.log(vocab)));
    }
    assertThat(uniform).as("the base is not a uniform model").isGreaterThan(1e-3);
    return worst;
  }
}
