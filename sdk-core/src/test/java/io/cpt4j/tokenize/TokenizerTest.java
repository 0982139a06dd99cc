package io.cpt4j.tokenize;

import static io.cpt4j.tokenize.TestTokenizers.END_OF_TEXT;
import static io.cpt4j.tokenize.TestTokenizers.END_OF_TEXT_ID;
import static io.cpt4j.tokenize.TestTokenizers.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Tokenizer#open} and {@link Checkpoint#tokenizer()} on a byte-level BPE tokenizer.json. */
class TokenizerTest {
  @TempDir Path tmp;
  private Tokenizer tokenizer;

  @BeforeEach
  void open() {
    tokenizer = Tokenizer.open(TestTokenizers.writeByteLevelBpe(tmp.resolve("tokenizer.json")));
  }

  @AfterEach
  void close() {
    tokenizer.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "hello world", "Hello, World! 123", "  leading and trailing  ", "tabs\tand\nnew\r\nlines",
      "café naïve résumé Ångström", "日本語のテキストと中文", "emoji 🎉 and a family 👩‍👩‍👧 and a flag 🇫🇷",
      "mixed: hello 世界 ñ 🙂 <|endoftext|> done", "\u0000 control \u0007 chars \u007f"})
  void decodingTheEncodingGivesBackTheText(String text) {
    assertThat(tokenizer.decode(tokenizer.encode(text))).isEqualTo(text);
  }

  @Test
  void randomUnicodeTextRoundTrips() {
    Random r = new Random(7);
    for (int i = 0; i < 200; i++) {
      StringBuilder sb = new StringBuilder();
      int length = r.nextInt(40);
      while (sb.length() < length) {
        int cp = r.nextInt(0x30000);
        if (Character.isDefined(cp) && Character.getType(cp) != Character.SURROGATE) {
          sb.appendCodePoint(cp);
        }
      }
      String text = sb.toString();
      assertThat(tokenizer.decode(tokenizer.encode(text))).as("round trip of %s", text).isEqualTo(text);
    }
  }

  @Test
  void textWithoutMergesEncodesToItsUtf8Bytes() {
    String text = "é日🎉 xyz";
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    int[] expected = new int[utf8.length];
    for (int i = 0; i < utf8.length; i++) {
      expected[i] = utf8[i] & 0xff; // byte b has id b in the fixture
    }
    assertThat(tokenizer.encode(text)).containsExactly(expected);
  }

  @Test
  void mergesAreApplied() {
    assertThat(tokenizer.encode("hello")).containsExactly(id("hello"));
    assertThat(tokenizer.encode("hello world")).containsExactly(id("hello"), id(" world"));
    assertThat(tokenizer.encode("hell")).containsExactly(id("hell"));
    assertThat(tokenizer.encode("he")).containsExactly(id("he"));
    assertThat(tokenizer.encode("helo")).containsExactly(id("he"), 'l', 'o');
    assertThat(tokenizer.encode(" word")).containsExactly(id(" wor"), 'd');
  }

  @Test
  void specialTokensInTheTextStayWhole() {
    assertThat(tokenizer.encode("a" + END_OF_TEXT + "b")).containsExactly('a', END_OF_TEXT_ID, 'b');
    assertThat(tokenizer.decode(new int[] {'a', END_OF_TEXT_ID, 'b'})).isEqualTo("a" + END_OF_TEXT + "b");
  }

  @Test
  void encodingAddsNoSpecialTokens() {
    assertThat(tokenizer.encode("x")).containsExactly('x');
  }

  @Test
  void vocabularySizeCountsBytesMergesAndAddedTokens() {
    assertThat(tokenizer.vocabSize()).isEqualTo(TestTokenizers.VOCAB_SIZE).isEqualTo(256 + 9 + 1);
  }

  @Test
  void tokenIdFindsAddedMergedAndByteTokens() {
    assertThat(tokenizer.tokenId(END_OF_TEXT)).hasValue(END_OF_TEXT_ID);
    assertThat(tokenizer.tokenId("hello")).hasValue(id("hello"));
    assertThat(tokenizer.tokenId("Ġworld")).hasValue(id(" world"));
    assertThat(tokenizer.tokenId("a")).hasValue('a');
    assertThat(tokenizer.tokenId("no such token")).isEmpty();
  }

  @Test
  void batchEncodingEqualsEncodingEachText() {
    List<String> texts = List.of("hello world", "", "日本語", "🎉🎉", "a" + END_OF_TEXT, "hello ".repeat(300));
    List<int[]> batch = tokenizer.encodeBatch(texts);
    assertThat(batch).hasSize(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      assertThat(batch.get(i)).as("text %d", i).containsExactly(tokenizer.encode(texts.get(i)));
    }
  }

  @Test
  void anEmptyBatchGivesNoEncodingsAndANullTextIsRefused() {
    assertThat(tokenizer.encodeBatch(List.of())).isEmpty();
    assertThatThrownBy(() -> tokenizer.encodeBatch(java.util.Arrays.asList("a", null)))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("texts[1]");
    assertThatThrownBy(() -> tokenizer.encode(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void longTextsAreNotTruncatedAt512Tokens() {
    Random r = new Random(11);
    String alphabet = "xyzXYZ0123456789,.;:-+ ";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    String text = sb.toString();
    int[] ids = tokenizer.encode(text);
    assertThat(ids).hasSize(5000); // no merge applies to these characters: one token per byte
    for (int i = 0; i < ids.length; i++) {
      assertThat(ids[i]).isEqualTo(text.charAt(i));
    }
    assertThat(tokenizer.decode(ids)).isEqualTo(text);
    assertThat(tokenizer.encodeBatch(List.of(text, text)).get(1)).hasSize(5000);
    assertThat(tokenizer.encode("hello world ".repeat(500))).hasSize(1500);
  }

  @Test
  void aCheckpointLoadsItsTokenizerJson() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path dir = tmp.resolve("ckpt");
    CheckpointWriter.to(dir).config(config).write(TestCheckpoints.randomTensors(config, 1));
    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThat(c.tokenizer()).isEmpty();
    }
    TestTokenizers.writeByteLevelBpe(dir.resolve("tokenizer.json"));
    try (Checkpoint c = Checkpoint.open(dir)) {
      Tokenizer t = c.tokenizer().orElseThrow();
      assertThat(c.tokenizer()).containsSame(t);
      assertThat(t.encode("hello world")).containsExactly(id("hello"), id(" world"));
      assertThat(t.vocabSize()).isEqualTo(TestTokenizers.VOCAB_SIZE);
    }
  }

  @Test
  void aTokenizerJsonThatIsNotJsonIsRefused() throws Exception {
    Path file = Files.writeString(tmp.resolve("broken.json"), "{\"model\": {\"type\": \"BPE\", ");
    assertThatThrownBy(() -> Tokenizer.open(file))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("broken.json");
  }

  @Test
  void aTokenizerJsonWithAnUnknownModelIsRefused() throws Exception {
    String json = Files.readString(TestTokenizers.writeByteLevelBpe(tmp.resolve("a.json")))
        .replace("\"BPE\"", "\"NoSuchModel\"");
    Path file = Files.writeString(tmp.resolve("unknown-model.json"), json);
    assertThatThrownBy(() -> Tokenizer.open(file))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("unknown-model.json");
  }

  @Test
  void aTokenizerJsonWithoutVocabularyIsRefused() throws Exception {
    Path file = Files.writeString(tmp.resolve("empty.json"), "{}");
    assertThatThrownBy(() -> Tokenizer.open(file))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("empty.json");
  }

  @Test
  void aMissingTokenizerJsonIsRefused() {
    assertThatThrownBy(() -> Tokenizer.open(tmp.resolve("absent.json")))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("absent.json");
  }

  @Test
  void aCheckpointWithABrokenTokenizerJsonFailsWhenTheTokenizerIsAskedFor() throws Exception {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path dir = tmp.resolve("ckpt");
    CheckpointWriter.to(dir).config(config).write(TestCheckpoints.randomTensors(config, 2));
    Files.writeString(dir.resolve("tokenizer.json"), "not json at all");
    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThatThrownBy(c::tokenizer).isInstanceOf(CheckpointException.class).hasMessageContaining("tokenizer.json");
    }
  }
}
