package io.cpt4j.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BpeTrainer}: learned merges, the written tokenizer.json as DJL runs it, and validation. */
class BpeTrainerTest {
  @TempDir static Path shared;
  @TempDir Path tmp;

  /** The repository's Java sources: ~0.5 MB of code and Javadoc, read in a fixed order. */
  static List<String> javaSources;
  /** The repository's Markdown: English prose, held out of training. */
  static List<String> markdown;
  static Path trained2k;
  static TrainedTokenizer summary2k;

  @BeforeAll
  static void trainOnRepository() {
    javaSources = repositoryFiles(".java");
    markdown = repositoryFiles(".md");
    summary2k = BpeTrainer.vocabSize(2000).threads(2).train(javaSources, shared.resolve("tokenizer.json"));
    trained2k = summary2k.file();
  }

  @Test
  void learnsTheClassicMergesInOrder() throws IOException {
    // Words (each text one word, so no leading space): hug×10, pug×5, pun×12, bun×4, hugs×5.
    // Pairs: u g 10+5+5=20, p u 5+12=17, u n 12+4=16, h u 10+5=15, b u 4, g s 5
    //  1. (u, g) 20  → h ug×10, p ug×5, p u n×12, b u n×4, h ug s×5
    //     now u n 16, h ug 15, p u 12, p ug 5, ug s 5, b u 4
    //  2. (u, n) 16  → p un×12, b un×4;   h ug 15, p un 12, p ug 5, ug s 5, b un 4
    //  3. (h, ug) 15 → hug×10, hug s×5;   p un 12, p ug 5, hug s 5, b un 4
    //  4. (p, un) 12
    //  5. tie at 5 between (hug, s) and (p, ug): "hug" < "p", so (hug, s) first
    //  6. (p, ug) 5
    //  7. (b, un) 4, after which every word is one token and no pair is left.
    List<String> texts = new ArrayList<>();
    add(texts, "hug", 10);
    add(texts, "pug", 5);
    add(texts, "pun", 12);
    add(texts, "bun", 4);
    add(texts, "hugs", 5);
    Collections.shuffle(texts, new Random(7));

    TrainedTokenizer t = BpeTrainer.vocabSize(300).threads(1).train(texts, tmp.resolve("tokenizer.json"));

    assertThat(merges(t.file())).containsExactly(
        "u g", "u n", "h ug", "p un", "hug s", "p ug", "b un");
    assertThat(t.merges()).isEqualTo(7);
    assertThat(t.vocabSize()).as("256 bytes + 7 merges + <|endoftext|>").isEqualTo(264);
    assertThat(t.distinctWords()).isEqualTo(5);
    assertThat(t.corpusBytes()).isEqualTo(10 * 3 + 5 * 3 + 12 * 3 + 4 * 3 + 5 * 4);
    try (Tokenizer tok = Tokenizer.open(t.file())) {
      assertThat(tok.encode("hugs")).containsExactly(tok.tokenId("hugs").getAsInt());
      assertThat(tok.tokenId("<|endoftext|>")).hasValue(263);
    }
  }

  @Test
  void minFrequencyStopsBeforeRarePairs() throws IOException {
    List<String> texts = new ArrayList<>();
    add(texts, "hug", 10);
    add(texts, "bun", 1);
    TrainedTokenizer t = BpeTrainer.vocabSize(300).minFrequency(2).threads(1)
        .train(texts, tmp.resolve("tokenizer.json"));
    assertThat(merges(t.file())).containsExactly("h u", "hu g"); // h u and u g tie at 10: "h" < "u"
    assertThat(t.vocabSize()).isEqualTo(256 + 2 + 1);
  }

  @Test
  void specialTokensInTheCorpusAreNeitherCountedNorMergedAcross() throws IOException {
    List<String> texts = new ArrayList<>();
    add(texts, "ab<|endoftext|>ab", 10);
    TrainedTokenizer t = BpeTrainer.vocabSize(300).threads(1).train(texts, tmp.resolve("tokenizer.json"));
    assertThat(merges(t.file())).containsExactly("a b");
    assertThat(t.corpusBytes()).isEqualTo(40);
  }

  @Test
  void reachesTheRequestedVocabSizeExactlyWithTheSpecialTokenLast() {
    assertThat(summary2k.vocabSize()).isEqualTo(2000);
    assertThat(summary2k.corpusBytes()).isGreaterThan(300_000);
    try (Tokenizer tok = Tokenizer.open(trained2k)) {
      assertThat(tok.vocabSize()).isEqualTo(2000);
      assertThat(tok.tokenId("<|endoftext|>")).hasValue(1999);
      assertThat(tok.encode("<|endoftext|>")).containsExactly(1999);
      assertThat(tok.encode("end.<|endoftext|>Next")).contains(1999);
    }
  }

  @Test
  void severalSpecialTokensFollowTheVocabularyInOrder() {
    TrainedTokenizer t = BpeTrainer.vocabSize(600).specialTokens(List.of("<s>", "</s>", "<pad>")).threads(1)
        .train(javaSources.subList(0, 20), tmp.resolve("tokenizer.json"));
    assertThat(t.vocabSize()).isEqualTo(600);
    try (Tokenizer tok = Tokenizer.open(t.file())) {
      assertThat(tok.tokenId("<s>")).hasValue(597);
      assertThat(tok.tokenId("</s>")).hasValue(598);
      assertThat(tok.tokenId("<pad>")).hasValue(599);
      assertThat(tok.encode("<s>hi</s>")).startsWith(597).endsWith(598);
    }
  }

  @Test
  void anyUtf8TextRoundTripsThroughTheTrainedTokenizer() {
    List<String> samples = new ArrayList<>(List.of(
        "", "plain ASCII, with punctuation!?", "café naïve Zürich façade", "日本語のテキストと中文",
        "emoji 🎉👩‍👩‍👧 and ☃", "line one\nline two\r\n\ttabbed", "many     spaces   here  ",
        "  leading and trailing  ", "it's they'll we've I'm you'd", "x\u00a0nbsp\u2003em space", "\u0000\u0001\u007f"));
    Random random = new Random(42);
    for (int i = 0; i < 200; i++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(40);
      while (sb.length() < len) {
        int cp = random.nextInt(Character.MAX_CODE_POINT + 1);
        if (Character.isSurrogate((char) cp) && cp <= 0xFFFF) {
          continue; // lone surrogates are not valid UTF-8
        }
        sb.appendCodePoint(random.nextInt(4) == 0 ? random.nextInt(128) : cp);
      }
      samples.add(sb.toString());
    }
    try (Tokenizer tok = Tokenizer.open(trained2k)) {
      for (String s : samples) {
        assertThat(tok.decode(tok.encode(s))).as("round trip of %s", s).isEqualTo(s);
      }
    }
  }

  @Test
  void djlEncodingEqualsApplyingTheMergesByRank() throws IOException {
    List<String[]> merges = new ArrayList<>();
    for (String m : merges(trained2k)) {
      merges.add(m.split(" "));
    }
    Map<String, Integer> vocab = new HashMap<>();
    new ObjectMapper().readTree(trained2k.toFile()).path("model").path("vocab").fields()
        .forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
    List<String> texts = new ArrayList<>(markdown);
    texts.add("public static void main(String[] args) { return café + 日本語 + 42; }\n\n  x");
    Map<String, Integer> special = new HashMap<>();
    new ObjectMapper().readTree(trained2k.toFile()).path("added_tokens")
        .forEach(t -> special.put(t.path("content").asText(), t.path("id").asInt()));
    texts.add("one document<|endoftext|>and the next");
    try (Tokenizer tok = Tokenizer.open(trained2k)) {
      for (String text : texts) {
        assertThat(tok.encode(text)).as("encoding of %.40s", text)
            .containsExactly(referenceEncodeWithSpecials(text, merges, vocab, special));
      }
    }
  }

  @Test
  void englishProseTakesFewerThanHalfATokenPerByte() {
    String prose = String.join("\n", markdown);
    int bytes = prose.getBytes(StandardCharsets.UTF_8).length;
    try (Tokenizer tok = Tokenizer.open(trained2k)) {
      double perByte = (double) tok.encode(prose).length / bytes;
      System.out.printf("2k vocab trained on Java sources: %.3f tokens per byte on held-out Markdown (%d bytes)%n",
          perByte, bytes);
      assertThat(perByte).isLessThan(0.5);
    }
  }

  @Test
  void trainingTwiceGivesIdenticalFiles() throws IOException {
    Path again = BpeTrainer.vocabSize(2000).threads(1).train(javaSources.stream(), tmp.resolve("again.json")).file();
    assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(trained2k));
  }

  @Test
  void writesAtomicallyLeavingNoTemporaryFiles() throws IOException {
    Path file = tmp.resolve("sub/tokenizer.json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "old");
    BpeTrainer.vocabSize(300).threads(1).train(List.of("hello hello world"), file);
    try (Stream<Path> s = Files.list(file.getParent())) {
      assertThat(s).containsExactly(file);
    }
    assertThat(Files.readString(file)).startsWith("{");
  }

  @Test
  void rejectsAVocabularyTooSmallForBytesAndSpecials() {
    assertThatThrownBy(() -> BpeTrainer.vocabSize(256))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vocabSize must be at least 257").hasMessageContaining("got 256");
    assertThatThrownBy(() -> BpeTrainer.vocabSize(257).specialTokens(List.of("<s>", "</s>")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vocabSize must be at least 258");
    assertThatThrownBy(() -> BpeTrainer.vocabSize(300).minFrequency(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minFrequency");
    assertThatThrownBy(() -> BpeTrainer.vocabSize(300).threads(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads");
    assertThatThrownBy(() -> BpeTrainer.vocabSize(300).specialTokens(List.of("<s>", "<s>")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("specialTokens");
  }

  @Test
  void rejectsAnEmptyCorpusAndLeavesNoFile() {
    Path file = tmp.resolve("tokenizer.json");
    for (List<String> empty : List.of(List.<String>of(), List.of("", ""), List.of("<|endoftext|>"))) {
      assertThatThrownBy(() -> BpeTrainer.vocabSize(300).train(empty, file))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("corpus is empty");
    }
    assertThat(file).doesNotExist();
  }

  // ---- an independent encoder: GPT-2 split, bytes_to_unicode, merges applied by rank ----

  private static final Pattern SPLIT = Pattern.compile(
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
      Pattern.UNICODE_CHARACTER_CLASS);

  /**
   * Special (added) tokens are matched first, as the HF tokenizers library does, and encode to their
   * own ids; the text between them is encoded by {@link #referenceEncode}.
   */
  static int[] referenceEncodeWithSpecials(String text, List<String[]> merges, Map<String, Integer> vocab,
      Map<String, Integer> special) {
    List<Integer> ids = new ArrayList<>();
    int from = 0;
    while (from <= text.length()) {
      int next = -1;
      String which = null;
      for (String s : special.keySet()) {
        int at = text.indexOf(s, from);
        if (at >= 0 && (next < 0 || at < next)) {
          next = at;
          which = s;
        }
      }
      String segment = text.substring(from, next < 0 ? text.length() : next);
      for (int id : referenceEncode(segment, merges, vocab)) {
        ids.add(id);
      }
      if (next < 0) {
        break;
      }
      ids.add(special.get(which));
      from = next + which.length();
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  static int[] referenceEncode(String text, List<String[]> merges, Map<String, Integer> vocab) {
    Map<String, Integer> rank = new HashMap<>();
    for (int i = 0; i < merges.size(); i++) {
      rank.putIfAbsent(merges.get(i)[0] + " " + merges.get(i)[1], i);
    }
    char[] symbols = TestTokenizers.bytesToUnicode();
    List<Integer> ids = new ArrayList<>();
    Matcher m = SPLIT.matcher(text);
    while (m.find()) {
      List<String> word = new ArrayList<>();
      for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
        word.add(String.valueOf(symbols[b & 0xff]));
      }
      while (word.size() > 1) {
        int best = -1;
        int bestRank = Integer.MAX_VALUE;
        for (int i = 0; i + 1 < word.size(); i++) {
          Integer r = rank.get(word.get(i) + " " + word.get(i + 1));
          if (r != null && r < bestRank) {
            bestRank = r;
            best = i;
          }
        }
        if (best < 0) {
          break;
        }
        word.set(best, word.get(best) + word.remove(best + 1)); // leftmost occurrence of the best pair
      }
      for (String s : word) {
        ids.add(vocab.get(s));
      }
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  // ---- helpers ----

  private static void add(List<String> texts, String word, int times) {
    for (int i = 0; i < times; i++) {
      texts.add(word);
    }
  }

  /** The merges of a tokenizer.json as "a b" strings. */
  static List<String> merges(Path file) throws IOException {
    JsonNode root = new ObjectMapper().readTree(file.toFile());
    List<String> out = new ArrayList<>();
    for (JsonNode m : root.path("model").path("merges")) {
      out.add(m.get(0).asText() + " " + m.get(1).asText());
    }
    return out;
  }

  static List<String> repositoryFiles(String suffix) {
    Path root = Path.of("").toAbsolutePath();
    while (root != null && !Files.isDirectory(root.resolve("sdk-api"))) {
      root = root.getParent();
    }
    assertThat(root).as("repository root above the working directory").isNotNull();
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(suffix) && Files.isRegularFile(p))
          .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/."))
          .sorted()
          .map(p -> {
            try {
              return Files.readString(p);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          })
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void fromMergesWritesTheTokenizerTheTrainerWouldHaveWrittenForThoseMerges() throws IOException {
    Path trained = tmp.resolve("trained.json");
    TrainedTokenizer t = BpeTrainer.vocabSize(300).train(List.of("the theme of the thin thread, then the other"), trained);
    JsonNode merges = new ObjectMapper().readTree(trained.toFile()).path("model").path("merges");
    List<List<String>> pairs = new ArrayList<>();
    merges.forEach(m -> pairs.add(List.of(m.get(0).asText(), m.get(1).asText())));
    Path written = tmp.resolve("written.json");
    TrainedTokenizer w = BpeTrainer.vocabSize(t.vocabSize()).fromMerges(pairs, written);
    assertThat(Files.readAllBytes(written)).isEqualTo(Files.readAllBytes(trained));
    assertThat(w.vocabSize()).isEqualTo(t.vocabSize());
    assertThat(w.merges()).isEqualTo(t.merges());
    try (Tokenizer a = Tokenizer.open(trained); Tokenizer b = Tokenizer.open(written)) {
      assertThat(b.encode("the other thread")).isEqualTo(a.encode("the other thread"));
    }
  }

  @Test
  void fromMergesRefusesUnknownPartsAndAWrongSize() {
    assertThatThrownBy(() -> BpeTrainer.vocabSize(258).fromMerges(List.of(List.of("Ġt", "he")), tmp.resolve("a.json")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Ġt' is not in the vocabulary before it");
    assertThatThrownBy(() -> BpeTrainer.vocabSize(300).fromMerges(List.of(List.of("Ġ", "t")), tmp.resolve("b.json")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("define 258 tokens").hasMessageContaining("300");
    assertThat(tmp.resolve("a.json")).doesNotExist();
  }
}
