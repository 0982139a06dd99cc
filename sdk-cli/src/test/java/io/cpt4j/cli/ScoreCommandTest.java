package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreCommandTest {
  @TempDir Path tmp;

  /** Tiny Llama over the test tokenizer's vocabulary, random weights, with tokenizer.json. */
  private Path llamaWithTokenizer() throws Exception {
    ModelConfig config = TestCheckpoints.tinyLlama().newBuilder().vocabSize(TestTokenizer.VOCAB_SIZE).build();
    Path dir = TestCheckpoints.write(tmp.resolve("llama"), config, TestCheckpoints.tensors(config, 7));
    TestTokenizer.write(dir);
    return dir;
  }

  private static JsonNode json(Cli.Result r) throws Exception {
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out().strip()).doesNotContain("\n");
    return new ObjectMapper().readTree(r.out());
  }

  private static double[] nll(JsonNode json) {
    double[] v = new double[json.get("nll").size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = json.get("nll").get(i).asDouble();
    }
    return v;
  }

  @Test
  void jsonHasOneNllPerPredictedTokenAndTheirMean() throws Exception {
    Path dir = llamaWithTokenizer();
    Cli.Result r = Cli.run("score", dir.toString(), "--tokens", "3,17,5,200,265,0,42", "--json", "--threads", "2");

    JsonNode json = json(r);
    List<String> keys = new ArrayList<>();
    json.fieldNames().forEachRemaining(keys::add);
    assertThat(keys).containsExactly("nll", "mean_nll", "tokens", "perplexity");
    double[] nll = nll(json);
    assertThat(nll).hasSize(6);
    double sum = 0;
    for (double v : nll) {
      assertThat(v).isFinite().isGreaterThan(0);
      sum += v;
    }
    double mean = json.get("mean_nll").asDouble();
    assertThat(mean).isCloseTo(sum / nll.length, within(1e-6));
    assertThat(json.get("perplexity").asDouble()).isCloseTo(Math.exp(mean), within(1e-6 * Math.exp(mean)));
    assertThat(json.get("tokens").toString()).isEqualTo("[3,17,5,200,265,0,42]");
    // same scores with spaces in the list and the default thread count
    JsonNode again = json(Cli.run("score", dir.toString(), "--json", "--tokens", " 3, 17,5 ,200,265,0,42"));
    assertThat(nll(again)).containsExactly(nll, within(1e-5));
  }

  @Test
  void humanTableMatchesJson() throws Exception {
    Path dir = llamaWithTokenizer();
    Cli.Result r = Cli.run("score", dir.toString(), "--tokens", "104,101,10,34,92");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    double[] nll = nll(json(Cli.run("score", dir.toString(), "--tokens", "104,101,10,34,92", "--json")));

    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(1 + 5 + 3);
    assertThat(lines.get(0)).matches(" *INDEX +ID +TOKEN +NLL");
    assertThat(lines.get(1)).matches(" +0 +104 +\"h\" +-");
    assertThat(lines.get(3)).matches(" +2 +10 +\"\\\\n\" +[0-9.]+"); // the newline byte, escaped
    assertThat(lines.get(4)).contains("\"\\\"\"");
    assertThat(lines.get(5)).contains("\"\\\\\"");
    for (int i = 1; i < 5; i++) {
      String[] cells = lines.get(i + 1).strip().split(" +");
      assertThat(Double.parseDouble(cells[cells.length - 1])).isCloseTo(nll[i - 1], within(1e-4));
    }
    double mean = (nll[0] + nll[1] + nll[2] + nll[3]) / 4;
    assertThat(lines.get(6)).isEmpty();
    assertThat(lines.get(7)).startsWith(String.format(java.util.Locale.ROOT, "mean NLL:   %.4f nats over 4", mean));
    assertThat(lines.get(8)).isEqualTo(String.format(java.util.Locale.ROOT, "perplexity: %.4f", Math.exp(mean)));
  }

  @Test
  void textIsEncodedWithTheCheckpointTokenizerAsIs() throws Exception {
    Path dir = llamaWithTokenizer();
    JsonNode json = json(Cli.run("score", dir.toString(), "--text", "hello world", "--json"));
    assertThat(json.get("tokens").toString()).isEqualTo("[" + TestTokenizer.HELLO + "," + TestTokenizer.SPACE_WORLD + "]");
    assertThat(nll(json)).hasSize(1);

    JsonNode byIds = json(Cli.run("score", dir.toString(), "--json", "--tokens",
        TestTokenizer.HELLO + "," + TestTokenizer.SPACE_WORLD));
    assertThat(nll(byIds)).containsExactly(nll(json), within(1e-6));

    Cli.Result human = Cli.run("score", dir.toString(), "--text", "hello\nworld\t!");
    assertThat(human.exitCode()).as(human.err()).isZero();
    assertThat(human.out()).contains("\"hello\"", "\"\\n\"", "\"\\t\"", "\"!\"");
    assertThat(human.out().lines().filter(l -> l.matches(" *\\d+ +\\d+ .*"))).hasSize(
        (int) human.out().lines().count() - 4);
  }

  @Test
  void tokensWithABrokenTokenizerStillScoreWithAWarning() throws Exception {
    Path dir = TestCheckpoints.write(tmp.resolve("placeholder"), TestCheckpoints.tinyLlama(), true);
    Cli.Result r = Cli.run("score", dir.toString(), "--tokens", "1,2,3");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("warning: token text not shown").doesNotContain("\tat ");
    assertThat(r.out()).contains("perplexity:").doesNotContain("TOKEN");
  }

  // ------------------------------------------------------------------ closed-form checks

  private static ModelConfig closedFormConfig(boolean tied) {
    return ModelConfig.builder(Architecture.LLAMA).vocabSize(V).hiddenSize(H).intermediateSize(64).numLayers(2)
        .numHeads(4).numKvHeads(2).normEps(EPS).tieWordEmbeddings(tied).build();
  }

  private static final int V = 64;
  private static final int H = 32;
  private static final double EPS = 1e-6;

  /**
   * Every weight 0 and every norm weight 1, then {@code fill(name, data)} edits row-major data. With
   * zero attention and MLP weights each block adds 0, so the final hidden state is the embedding.
   */
  private Path constructed(String name, boolean tied, BiConsumer<String, float[]> fill) throws Exception {
    ModelConfig config = closedFormConfig(tied);
    List<Tensor> tensors = new ArrayList<>();
    for (Map.Entry<String, List<Long>> e : config.expectedTensors().entrySet()) {
      long[] shape = e.getValue().stream().mapToLong(Long::longValue).toArray();
      float[] data = new float[(int) java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact)];
      if (e.getKey().endsWith("norm.weight")) {
        java.util.Arrays.fill(data, 1f);
      }
      fill.accept(e.getKey(), data);
      tensors.add(Tensor.ofFloats(e.getKey(), shape, data));
    }
    return TestCheckpoints.write(tmp.resolve(name), config, tensors);
  }

  /** NLL when the target's logit is {@code zTarget} and one other logit (or none, when 0) is {@code zOther}. */
  private static double nllOf(double zTarget, double zOther) {
    return Math.log(Math.exp(zTarget) + Math.exp(zOther) + (V - 2)) - zTarget;
  }

  /** The final RMSNorm of {@code c · e_d} (norm weight 1) is {@code h · e_d}. */
  private static double normed(double c) {
    return c / Math.sqrt(c * c / H + EPS);
  }

  @Test
  void allZeroModelGivesLnVocabEverywhere() throws Exception {
    Path dir = constructed("zero", false, (n, d) -> {});
    JsonNode json = json(Cli.run("score", dir.toString(), "--tokens", "0,5,63,5,5,12", "--json"));
    double[] lnV = new double[5];
    java.util.Arrays.fill(lnV, Math.log(V));
    assertThat(nll(json)).containsExactly(lnV, within(1e-5));
    assertThat(json.get("mean_nll").asDouble()).isCloseTo(Math.log(V), within(1e-5));
    assertThat(json.get("perplexity").asDouble()).isCloseTo(V, within(1e-3));
  }

  @Test
  void untiedHeadThatPredictsTheSuccessor() throws Exception {
    double a = 2;
    Path dir = constructed("successor", false, (n, d) -> {
      for (int t = 0; t < H; t++) {
        if (n.equals("model.embed_tokens.weight")) {
          d[t * H + t] = 1; // token t < H → e_t; tokens ≥ H embed to 0
        } else if (n.equals("lm_head.weight")) {
          d[(t + 1) * H + t] = (float) a; // e_t → logit a·h for token t+1
        }
      }
    });
    double z = a * normed(1);
    double right = nllOf(z, 0);
    double wrong = nllOf(0, z);
    JsonNode json = json(Cli.run("score", dir.toString(), "--tokens", "1,2,3,5,6,40,41", "--json"));
    assertThat(nll(json)).containsExactly(new double[] {right, right, wrong, right, wrong, Math.log(V)}, within(1e-4));
    assertThat(right).isLessThan(0.01);
    assertThat(wrong).isGreaterThan(11);
  }

  @Test
  void tiedHeadThatPredictsRepetition() throws Exception {
    double c = 2;
    Path dir = constructed("repeat", true, (n, d) -> {
      if (n.equals("model.embed_tokens.weight")) {
        for (int t = 0; t < H; t++) {
          d[t * H + t] = (float) c; // the head is this matrix too: e_t → logit c·h for token t
        }
      }
    });
    double z = c * normed(c);
    double right = nllOf(z, 0);
    double wrong = nllOf(0, z);
    JsonNode json = json(Cli.run("score", dir.toString(), "--tokens", "7,7,7,9,9,50,50", "--json"));
    assertThat(nll(json)).containsExactly(new double[] {right, right, wrong, right, wrong, Math.log(V)}, within(1e-4));
  }

  // ------------------------------------------------------------------ errors

  private static void assertExplainedFailure(Cli.Result r, String... expected) {
    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
    assertThat(r.errLines()).as(r.err()).hasSize(1);
    assertThat(r.err()).startsWith("error: ").contains(expected).doesNotContain("Exception", "\tat ");
    assertThat(r.out()).isEmpty();
  }

  private static void assertUsageError(Cli.Result r, String... expected) {
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.errLines()[0]).startsWith("error: ").doesNotStartWith("error: Error").contains(expected);
    assertThat(r.err()).contains("cpt4j score --help").doesNotContain("Exception", "\tat ");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void tooFewTokens() throws Exception {
    Path dir = llamaWithTokenizer();
    assertExplainedFailure(Cli.run("score", dir.toString(), "--tokens", "5"), "need at least 2 tokens to score, got 1");
    assertExplainedFailure(Cli.run("score", dir.toString(), "--text", "hello"), "need at least 2 tokens to score, got 1");
    assertExplainedFailure(Cli.run("score", dir.toString(), "--text", ""), "need at least 2 tokens to score, got 0");
  }

  @Test
  void idOutsideTheVocabulary() throws Exception {
    Path dir = llamaWithTokenizer();
    int v = TestTokenizer.VOCAB_SIZE;
    assertExplainedFailure(Cli.run("score", dir.toString(), "--tokens", "1," + v + ",2"),
        "token id " + v + " (position 1)", "[0, " + v + ")");
    assertExplainedFailure(Cli.run("score", dir.toString(), "--tokens", "-1,2", "--json"), "token id -1 (position 0)");
  }

  @Test
  void longerThanMaxPositions() throws Exception {
    ModelConfig config = TestCheckpoints.tinyLlama().newBuilder().maxPositionEmbeddings(4).build();
    Path dir = TestCheckpoints.write(tmp.resolve("short"), config, false);
    assertThat(Cli.run("score", dir.toString(), "--tokens", "1,2,3,4", "--json").exitCode()).isZero();
    assertExplainedFailure(Cli.run("score", dir.toString(), "--tokens", "1,2,3,4,5"),
        "5 tokens", "max_position_embeddings (4)");
  }

  @Test
  void textWithoutTokenizer() throws Exception {
    Path dir = TestCheckpoints.write(tmp.resolve("notok"), TestCheckpoints.tinyLlama(), false);
    assertExplainedFailure(Cli.run("score", dir.toString(), "--text", "hello world"), "no tokenizer.json", "--tokens");
  }

  @Test
  void missingCheckpoint() {
    assertExplainedFailure(Cli.run("score", tmp.resolve("nope").toString(), "--tokens", "1,2"), "nope");
  }

  @Test
  void usageErrors() throws Exception {
    Path dir = llamaWithTokenizer();
    String d = dir.toString();
    assertUsageError(Cli.run("score", d, "--tokens", "1,2", "--text", "hi"), "--tokens", "--text");
    assertUsageError(Cli.run("score", d), "--tokens", "--text");
    assertUsageError(Cli.run("score", d, "--tokens", "3,x"), "invalid token list '3,x'", "'x' is not an integer");
    assertUsageError(Cli.run("score", d, "--tokens", "3,,4"), "invalid token list");
    assertUsageError(Cli.run("score", d, "--tokens", "1,2", "--threads", "-1"), "--threads must be >= 0");
    assertUsageError(Cli.run("score", "--tokens", "1,2"), "DIR");
  }

  @Test
  void helpDescribesTheCommand() {
    assertThat(Cli.run("--help").out()).contains("score");
    Cli.Result r = Cli.run("score", "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("--tokens", "--text", "--json", "--threads", "--no-special-tokens", "tokenizer(text)");
  }

  @Test
  void quoteEscapesWhatWouldBreakALine() {
    assertThat(ScoreCommand.quote("a\nb\r\t\"\\")).isEqualTo("\"a\\nb\\r\\t\\\"\\\\\"");
    assertThat(ScoreCommand.quote("\u0000\u001b\u007f\u0085\u2028\u200b")).isEqualTo(
        "\"\\u0000\\u001b\\u007f\\u0085\\u2028\\u200b\"");
    assertThat(ScoreCommand.quote(" é世")).isEqualTo("\" é世\"");
  }
}
