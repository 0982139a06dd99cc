package io.cpt4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.tokenize.TestTokenizers;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TokenDataset#prepare} end to end through the public API, on a real {@link Source}: skipped
 * while the source reader is not implemented.
 */
class TokenDatasetPrepareTest {
  @TempDir Path tmp;

  @Test
  void preparesATextSourceAndReusesItUntilAFileChanges() throws IOException {
    Path corpus = tmp.resolve("corpus");
    Files.createDirectories(corpus.resolve("c"));
    Files.writeString(corpus.resolve("a.txt"), "hello world");
    Files.writeString(corpus.resolve("b.txt"), "hello");
    Files.writeString(corpus.resolve("c/d.txt"), "hello hello world");
    Source source = Source.text(corpus).named("greetings");
    requireSourceReader(source);
    Path shards = tmp.resolve("shards");
    try (Tokenizer tokenizer = Tokenizer.open(TestTokenizers.writeByteLevelBpe(tmp.resolve("tok/tokenizer.json")))) {
      try (TokenDataset ds = TokenDataset.prepare(source, tokenizer, shards)) {
        assertThat(ds.reused()).isFalse();
        assertThat(ds.sourceName()).isEqualTo("greetings");
        assertThat(ds.documentCount()).isEqualTo(3);
        List<String> texts = List.of("hello world", "hello", "hello hello world");
        for (int i = 0; i < 3; i++) {
          assertThat(ds.document(i)).containsExactly(tokenizer.encode(texts.get(i)));
        }
      }
      try (TokenDataset ds = TokenDataset.prepare(source, tokenizer, shards)) {
        assertThat(ds.reused()).isTrue();
      }
      Files.writeString(corpus.resolve("a.txt"), "world hello");
      try (TokenDataset ds = TokenDataset.prepare(source, tokenizer, shards)) {
        assertThat(ds.reused()).isFalse();
        assertThat(ds.document(0)).containsExactly(tokenizer.encode("world hello"));
      }
      try (TokenDataset ds = TokenDataset.open(shards)) {
        long tokens = 0;
        for (String text : List.of("world hello", "hello", "hello hello world")) {
          tokens += tokenizer.encode(text).length;
        }
        assertThat(ds.tokenCount()).isEqualTo(tokens);
      }
    }
  }

  private static void requireSourceReader(Source source) {
    try {
      source.fingerprint();
    } catch (UnsupportedOperationException e) {
      Assumptions.abort("needs the source reader, not implemented on this branch yet");
    }
  }
}
