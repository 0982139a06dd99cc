package io.cpt4j.vocab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Vocabulary extension against an independent reference (vocab-golden/generate.py, on HF tokenizers
 * 0.23.2): the same new tokens, merges and counts are learned, and the written tokenizer.json, run by
 * cpt4j's tokenizer, gives the ids HF gives with the reference's extended tokenizer, on the corpus and
 * on unseen text; the base ids of text made of old tokens only are unchanged, and every text
 * round-trips.
 */
class VocabularyExtensionGoldenTest {
  @TempDir Path tmp;

  @ParameterizedTest(name = "{0}")
  @CsvSource({"qwen-code, qwen", "qwen3-code, qwen", "mistral-pt, mistral"})
  void learnsTheReferenceTokensAndEncodesAsHfDoes(String name, String family) throws IOException {
    JsonNode g = new ObjectMapper().readTree(VocabFixtures.GOLDEN.resolve("golden.json").toFile()).path(name);
    ModelConfig config = family.equals("qwen") ? VocabFixtures.qwen() : VocabFixtures.mistral();
    Path base = VocabFixtures.base(tmp.resolve("base"), config, g.path("model").asText());
    VocabularyReport r = VocabularyExtension.of(base).corpus(VocabFixtures.GOLDEN.resolve(g.path("corpus").asText()))
        .add(g.path("add").asInt()).minFrequency(g.path("minFrequency").asInt()).writeTo(tmp.resolve("out"));

    List<String> expected = new ArrayList<>();
    g.path("tokens").forEach(t -> expected.add(t.path("id").asInt() + " " + t.path("token").asText() + " "
        + t.path("count").asLong()));
    assertThat(r.newTokens().stream().map(t -> t.id() + " " + t.token() + " " + t.count()).toList())
        .containsExactlyElementsOf(expected);
    JsonNode written = new ObjectMapper().readTree(tmp.resolve("out/tokenizer.json").toFile()).path("model");
    JsonNode merges = written.path("merges");
    for (int i = 0; i < g.path("merges").size(); i++) {
      JsonNode m = merges.get(merges.size() - g.path("merges").size() + i);
      String pair = m.isTextual() ? m.asText() : m.get(0).asText() + " " + m.get(1).asText();
      assertThat(pair).isEqualTo(g.path("merges").get(i).get(0).asText() + " " + g.path("merges").get(i).get(1).asText());
    }
    try (Tokenizer before = Tokenizer.open(base.resolve("tokenizer.json"));
        Tokenizer after = Tokenizer.open(tmp.resolve("out/tokenizer.json"))) {
      assertThat(after.vocabSize()).isEqualTo(r.vocabularyAfter());
      for (JsonNode s : g.path("samples")) {
        String text = s.path("text").asText();
        assertThat(before.encode(text)).as("base ids of %s", text).containsExactly(ints(s.path("base")));
        assertThat(after.encode(text)).as("extended ids of %s", text).containsExactly(ints(s.path("extended")));
        assertThat(after.decode(after.encode(text))).isEqualTo(text);
      }
      g.path("addedTokenIds").fields().forEachRemaining(e -> // special tokens keep their ids
          assertThat(after.encode(e.getKey())).as(e.getKey()).containsExactly(e.getValue().asInt()));
      for (VocabularyReport.NewToken t : r.newTokens()) { // a new token spells the old tokens it replaces
        int[] old = t.oldIds().stream().mapToInt(Integer::intValue).toArray();
        assertThat(after.decode(new int[] {t.id()})).isEqualTo(before.decode(old));
      }
    }
  }

  private static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }
}
