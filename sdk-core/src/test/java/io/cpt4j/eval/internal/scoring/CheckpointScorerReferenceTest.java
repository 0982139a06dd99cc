package io.cpt4j.eval.internal.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import io.cpt4j.onnx.OnnxFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checkpoint scorer against the independent float64 {@code ReferenceDecoder}, on every decoder
 * variant: for each request the logprob within 1e-4 and the greedy flag of the harness's rule
 * ({@code (context + continuation)[-(max_length + 1):][:-1]}, the last {@code len(continuation)}
 * positions scored), requests cut at the context length and multiple-choice questions (scored
 * packed, so with their context shared) included. Three requests per variant are
 * the reference's own greedy continuations, so both greedy outcomes are checked.
 */
class CheckpointScorerReferenceTest {
  @TempDir static Path tmp;

  /** Greedy flags are compared where the reference's top-1 / top-2 margin exceeds float32 rounding. */
  private static final double SAFE_MARGIN = 1e-3;

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.cpt4j.checkpoint.TestCheckpoints#decoderVariants")
  void everyRequestMatchesTheFloat64Reference(String name, ModelConfig c) {
    Path dir = tmp.resolve(name);
    List<LoglikelihoodRequest> requests = new ArrayList<>(ScoringFixtures.edgeRequests(c, 5));
    List<ScoringFixtures.Expected> expected = new ArrayList<>();
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(c, dir, 7)) {
      Function<String, float[]> w = ScoringFixtures.weights(ckpt);
      Random r = new Random(9);
      int max = c.maxPositionEmbeddings();
      requests.addAll(ScoringFixtures.choiceRequests(c, 6, 3, max - 2, max + 5)); // shared contexts
      for (int[] shape : new int[][] {{4, 3}, {max - 2, 5}, {max + 10, 2}}) {
        requests.add(ScoringFixtures.greedyRequest(c, w, ScoringFixtures.tokens(r, shape[0], c.vocabSize()), shape[1]));
      }
      for (LoglikelihoodRequest q : requests) {
        expected.add(ScoringFixtures.expected(c, w, q));
      }
    }
    List<Loglikelihood> answers;
    try (Scorer scorer = Scorer.open(dir, Scorer.Options.defaults())) {
      assertThat(scorer.maxLength()).isEqualTo(c.maxPositionEmbeddings());
      answers = scorer.score(requests);
    }
    int greedyChecked = 0;
    for (int i = 0; i < requests.size(); i++) {
      ScoringFixtures.Expected e = expected.get(i);
      Loglikelihood a = answers.get(i);
      assertThat(a.logprob()).as("%s request %d logprob", name, i).isCloseTo(e.logprob(), within(ScoringFixtures.TOLERANCE));
      assertThat(a.tokens()).isEqualTo(requests.get(i).continuation().length);
      if (e.minMargin() > SAFE_MARGIN) {
        assertThat(a.greedy()).as("%s request %d greedy", name, i).isEqualTo(e.greedy());
        greedyChecked++;
      }
    }
    // the three requests built by greedy decoding are greedy (unless a margin is too thin to tell)
    for (int i = requests.size() - 3; i < requests.size(); i++) {
      if (expected.get(i).minMargin() > SAFE_MARGIN) {
        assertThat(answers.get(i).greedy()).as("%s greedy request %d", name, i).isTrue();
      }
    }
    assertThat(greedyChecked).as("greedy flags compared").isGreaterThanOrEqualTo(requests.size() / 2);
  }
}
