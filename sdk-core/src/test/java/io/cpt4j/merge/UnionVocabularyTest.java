package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.doubles;
import static io.cpt4j.merge.MergeFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Vocabularies built by token (mergekit's {@code tokenizer:}): three inputs whose tokenizers differ
 * (the base: w0…w45, &lt;s&gt;, &lt;pad&gt;; A: w0…w39, x0…x5, &lt;s&gt;, &lt;im&gt;; B, 56 rows:
 * w0…w39, x0…x2, y0…y9, &lt;s&gt;, &lt;im&gt;, &lt;pad&gt;). The union's rows are checked token by
 * token against a float64 reference of mergekit's embed.py rules.
 */
class UnionVocabularyTest extends MergeFixtures.WithCheckpoints {
  static final List<String> VOCAB_TENSORS = List.of("model.embed_tokens.weight", "lm_head.weight");
  static final int H = 16;
  final ModelConfig config = TestCheckpoints.tinyLlama();
  Checkpoint base;
  Checkpoint a;
  Checkpoint b;
  List<String> baseTokens;
  List<String> aTokens;
  List<String> bTokens;

  @BeforeEach
  void checkpoints() throws IOException {
    baseTokens = tokens("w", 46, List.of());
    aTokens = tokens("w", 40, List.of("x0", "x1", "x2", "x3", "x4", "x5"));
    List<String> ys = new ArrayList<>(List.of("x0", "x1", "x2"));
    for (int i = 0; i < 10; i++) {
      ys.add("y" + i);
    }
    bTokens = tokens("w", 40, ys);
    base = keep(checkpoint("base", 48, 1, baseTokens, List.of("<s>", "<pad>")));
    a = keep(checkpoint("a", 48, 2, aTokens, List.of("<s>", "<im>")));
    b = keep(checkpoint("b", 56, 3, bTokens, List.of("<s>", "<im>", "<pad>")));
    baseTokens.addAll(List.of("<s>", "<pad>"));
    aTokens.addAll(List.of("<s>", "<im>"));
    bTokens.addAll(List.of("<s>", "<im>", "<pad>"));
  }

  @Test
  void unionRowsFollowMergekitsRulesTokenByTokenAndPadToTheMultiple() throws IOException {
    Path out = dir.resolve("union");
    double[] w = {0.6, 0.9};
    Merge.builder(new MergeMethod.TaskArithmetic(0.8, false), base).model(MergeInput.of(a, w[0]))
        .model(MergeInput.of(b, w[1])).tokenizer(MergeTokenizer.union().padToMultipleOf(8)).build().writeTo(out);
    // the union: base's 48, then A's new ordinary tokens, B's, then the new added token
    List<String> union = new ArrayList<>(baseTokens);
    union.addAll(List.of("x0", "x1", "x2", "x3", "x4", "x5"));
    for (int i = 0; i < 10; i++) {
      union.add("y" + i);
    }
    union.add("<im>");
    assertThat(union).hasSize(65);
    try (Checkpoint merged = Checkpoint.open(out); Tokenizer tok = Tokenizer.open(out.resolve("tokenizer.json"))) {
      assertThat(merged.config().vocabSize()).isEqualTo(72);
      for (int id = 0; id < union.size(); id++) {
        assertThat(tok.tokenId(union.get(id))).as(union.get(id)).hasValue(id);
      }
      assertThat(tok.encode("<im>")).containsExactly(64);
      for (String name : VOCAB_TENSORS) {
        double[][] rb = remapped(base, baseTokens, name, union);
        double[][] ra = remapped(a, aTokens, name, union);
        double[][] ry = remapped(b, bTokens, name, union);
        double[] got = doubles(merged, name);
        assertThat(got).hasSize(72 * H);
        for (int r = 0; r < 72; r++) {
          for (int j = 0; j < H; j++) {
            double want = rb[r][j] + 0.8 * (w[0] * (ra[r][j] - rb[r][j]) + w[1] * (ry[r][j] - rb[r][j]));
            assertThat(got[r * H + j]).as("%s row %d (%s) [%d]", name, r, r < 65 ? union.get(r) : "pad", j)
                .isCloseTo(want, Offset.offset(1e-5 + 1e-5 * Math.abs(want)));
          }
        }
      }
    }
  }

  /**
   * The float64 reference of one input's rows in the union (mergekit's embed.py): its own row where
   * it has the token; else the base's if the base has it; else the only input's that has it; else
   * the mean of those that have it; padding rows the mean of the 65 token rows.
   */
  private double[][] remapped(Checkpoint c, List<String> own, String name, List<String> union) {
    List<Checkpoint> inputs = List.of(base, a, b);
    List<List<String>> vocabs = List.of(baseTokens, aTokens, bTokens);
    double[][] out = new double[72][H];
    for (int r = 0; r < union.size(); r++) {
      String t = union.get(r);
      if (own.contains(t)) {
        out[r] = row(c, name, own.indexOf(t));
        continue;
      }
      List<Integer> having = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        if (vocabs.get(i).contains(t)) {
          having.add(i);
        }
      }
      if (having.size() == 1 || having.contains(0)) {
        int i = having.size() == 1 ? having.getFirst() : 0;
        out[r] = row(inputs.get(i), name, vocabs.get(i).indexOf(t));
      } else {
        for (int i : having) {
          double[] x = row(inputs.get(i), name, vocabs.get(i).indexOf(t));
          for (int j = 0; j < H; j++) {
            out[r][j] += x[j] / having.size();
          }
        }
      }
    }
    for (int r = 65; r < 72; r++) {
      for (int q = 0; q < 65; q++) {
        for (int j = 0; j < H; j++) {
          out[r][j] += out[q][j] / 65;
        }
      }
    }
    return out;
  }

  @Test
  void aModelSourceKeepsThatModelsVocabularyAndRowsExactly() throws IOException {
    Path out = dir.resolve("from-b");
    Merge.builder(new MergeMethod.Linear(), base).model(MergeInput.of(b, 1)).model(MergeInput.of(a, 0))
        .tokenizer(MergeTokenizer.from(b)).build().writeTo(out);
    assertThat(Files.readString(out.resolve("tokenizer.json"))).isEqualTo(Files.readString(b.directory()
        .resolve("tokenizer.json")));
    try (Checkpoint merged = Checkpoint.open(out)) {
      assertThat(merged.config().vocabSize()).isEqualTo(56);
      for (String name : VOCAB_TENSORS) {
        assertThat(doubles(merged, name)).as(name).containsExactly(doubles(b, name));
      }
    }
    Path fromBase = dir.resolve("from-base");
    Merge.builder(new MergeMethod.Linear(), base).model(MergeInput.of(base, 1)).model(MergeInput.of(b, 0))
        .tokenizer(MergeTokenizer.base()).build().writeTo(fromBase);
    try (Checkpoint merged = Checkpoint.open(fromBase)) {
      assertThat(merged.config().vocabSize()).isEqualTo(48);
      for (String name : VOCAB_TENSORS) {
        assertThat(doubles(merged, name)).as(name).containsExactly(doubles(base, name));
      }
    }
  }

  @Test
  void aNamedTokenSourceWinsAndForceAppliesItToEveryInput() throws IOException {
    Path out = dir.resolve("tokens");
    Merge.builder(new MergeMethod.Linear(), base).model(MergeInput.of(a, 1)).model(MergeInput.of(b, 1))
        .tokenizer(MergeTokenizer.union().token("x0", MergeTokenizer.TokenEmbedding.of(b).forced())
            .token("<new>", MergeTokenizer.TokenEmbedding.zero())).build().writeTo(out);
    try (Checkpoint merged = Checkpoint.open(out); Tokenizer tok = Tokenizer.open(out.resolve("tokenizer.json"))) {
      assertThat(merged.config().vocabSize()).isEqualTo(66);
      assertThat(tok.tokenId("<new>")).hasValue(65);
      double[] got = doubles(merged, "model.embed_tokens.weight");
      double[] x0 = row(b, "model.embed_tokens.weight", bTokens.indexOf("x0"));
      for (int j = 0; j < H; j++) {
        assertThat(got[48 * H + j]).isCloseTo(x0[j], Offset.offset(1e-6)); // both inputs take B's row
        assertThat(got[65 * H + j]).isZero();
      }
    }
  }

  @Test
  void sourcesOutsideTheMergeAreOneClearErrorAndNothingIsWritten() {
    Checkpoint other = keep(random(dir.resolve("other"), config, 9));
    assertThatThrownBy(() -> Merge.builder(new MergeMethod.Linear(), base).model(a)
        .tokenizer(MergeTokenizer.from(other)).build())
        .isInstanceOf(MergeException.class).hasMessageContaining("tokenizer source " + other.directory());
    assertThatThrownBy(() -> Merge.builder(new MergeMethod.Linear(), base).model(a)
        .tokenizer(MergeTokenizer.union().token("x0", MergeTokenizer.TokenEmbedding.of(other))).build())
        .isInstanceOf(MergeException.class).hasMessageContaining("tokenizer.tokens[x0]: " + other.directory());
    Merge lacking = Merge.builder(new MergeMethod.Linear(), base).model(a).model(b)
        .tokenizer(MergeTokenizer.union().token("y0", MergeTokenizer.TokenEmbedding.of(a))).build();
    assertThatThrownBy(() -> lacking.writeTo(dir.resolve("never"))).isInstanceOf(MergeException.class)
        .hasMessageContaining("tokenizer.tokens[y0]: " + a.directory() + " does not have the token");
    assertThat(dir.resolve("never")).doesNotExist();
  }

  private static double[] row(Checkpoint c, String name, int row) {
    double[] all = doubles(c, name);
    return java.util.Arrays.copyOfRange(all, row * H, (row + 1) * H);
  }

  private static List<String> tokens(String prefix, int n, List<String> more) {
    List<String> t = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      t.add(prefix + i);
    }
    t.addAll(more);
    return t;
  }

  /** A random checkpoint with a BPE tokenizer.json of {@code ordinary} tokens then {@code added} special tokens. */
  private Checkpoint checkpoint(String name, int rows, long seed, List<String> ordinary, List<String> added)
      throws IOException {
    Path d = dir.resolve(name);
    random(d, config.newBuilder().vocabSize(rows).build(), seed).close();
    StringBuilder vocab = new StringBuilder();
    for (int i = 0; i < ordinary.size(); i++) {
      vocab.append(i == 0 ? "" : ",").append('"').append(ordinary.get(i)).append("\":").append(i);
    }
    StringBuilder list = new StringBuilder();
    for (int i = 0; i < added.size(); i++) {
      list.append(i == 0 ? "" : ",").append("{\"id\":").append(ordinary.size() + i).append(",\"content\":\"")
          .append(added.get(i)).append("\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
              + "\"normalized\":false,\"special\":true}");
    }
    Files.writeString(d.resolve("tokenizer.json"), "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
        + "\"added_tokens\":[" + list + "],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},"
        + "\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,"
        + "\"continuing_subword_prefix\":null,\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,"
        + "\"vocab\":{" + vocab + "},\"merges\":[]}}");
    return Checkpoint.open(d);
  }
}
