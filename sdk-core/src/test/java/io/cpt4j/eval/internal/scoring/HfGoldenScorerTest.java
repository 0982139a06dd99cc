package io.cpt4j.eval.internal.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import io.cpt4j.onnx.OnnxExport;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scorers against lm-evaluation-harness's own arithmetic: {@code eval-golden/golden.json} holds
 * 14 requests on a tiny Llama that transformers built and saved ({@code eval-golden/tiny-llama}),
 * scored by {@code eval-golden/make_golden.py} exactly as HFLM's {@code _loglikelihood_tokens}
 * (float32, max_length = max_position_embeddings = 48, so three requests are cut from the left and
 * one continuation fills the whole context). Logprobs within 1e-4, greedy flags equal (the
 * smallest top-1 / top-2 margin in the file is above 0.01, far above float32 rounding).
 */
class HfGoldenScorerTest {
  @TempDir static Path tmp;

  private static Path model;
  private static JsonNode golden;
  private static List<LoglikelihoodRequest> requests;

  @BeforeAll
  static void load() throws IOException, URISyntaxException {
    Path root = Path.of(HfGoldenScorerTest.class.getResource("/eval-golden").toURI());
    model = root.resolve("tiny-llama");
    golden = new ObjectMapper().readTree(root.resolve("golden.json").toFile());
    requests = new ArrayList<>();
    for (JsonNode r : golden.get("requests")) {
      requests.add(new LoglikelihoodRequest(ints(r.get("context")), ints(r.get("continuation"))));
    }
  }

  private static int[] ints(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
  }

  @Test
  void packedCheckpointScoresAsTheHarness() {
    try (Scorer scorer = Scorer.open(model)) {
      assertThat(scorer.maxLength()).isEqualTo(golden.get("max_length").asInt());
      assertMatchesGolden(scorer.score(requests), "packed");
    }
  }

  @Test
  void paddedCheckpointScoresAsTheHarness() {
    try (Scorer scorer = Scorer.open(model, new Scorer.Options(false, 8192, 0))) {
      assertMatchesGolden(scorer.score(requests), "padded");
    }
  }

  @Test
  void onnxExportScoresAsTheHarness() {
    try (Checkpoint ckpt = Checkpoint.open(model)) {
      OnnxExport.of(ckpt).writeTo(tmp.resolve("onnx"));
    }
    try (Scorer scorer = Scorer.open(tmp.resolve("onnx"))) {
      assertThat(scorer).isInstanceOf(OnnxScorer.class);
      assertMatchesGolden(scorer.score(requests), "onnx");
    }
  }

  @Test
  void theGoldenFileCoversBothGreedyOutcomesAndCutRequests() {
    int max = golden.get("max_length").asInt();
    assertThat(requests).anyMatch(r -> r.length() > max + 1);
    assertThat(golden.get("requests")).anyMatch(r -> r.get("greedy").asBoolean())
        .anyMatch(r -> !r.get("greedy").asBoolean());
  }

  private static void assertMatchesGolden(List<Loglikelihood> answers, String what) {
    double worst = 0;
    for (int i = 0; i < requests.size(); i++) {
      JsonNode g = golden.get("requests").get(i);
      Loglikelihood a = answers.get(i);
      assertThat(a.logprob()).as("%s request %d logprob", what, i).isCloseTo(g.get("logprob").asDouble(), within(1e-4));
      assertThat(a.greedy()).as("%s request %d greedy", what, i).isEqualTo(g.get("greedy").asBoolean());
      assertThat(a.tokens()).isEqualTo(g.get("continuation").size());
      worst = Math.max(worst, Math.abs(a.logprob() - g.get("logprob").asDouble()));
    }
    System.out.printf("%s: largest logprob difference from lm-eval's HFLM rule on transformers: %.2e%n", what, worst);
  }
}
