package io.cpt4j.data;

import static io.cpt4j.data.TestFiles.origins;
import static io.cpt4j.data.TestFiles.texts;
import static io.cpt4j.data.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files a location names, and in which order their documents come. */
class SourceLocationTest {
  @TempDir Path tmp;
  Path corpus;

  @BeforeEach
  void tree() {
    corpus = tmp.resolve("corpus");
    // Written out of order on purpose: reading order is by relative path, not by creation.
    write(corpus.resolve("b.txt"), "b");
    write(corpus.resolve("a/z.txt"), "a/z");
    write(corpus.resolve("a.txt"), "a");
    write(corpus.resolve("a/b/c.md"), "a/b/c");
    write(corpus.resolve(".hidden.txt"), "hidden file");
    write(corpus.resolve(".git/config.txt"), "hidden directory");
    write(corpus.resolve("data.jsonl"), "{\"text\": \"j1\"}\n");
    write(corpus.resolve("more/data.jsonl.gz"), TestFiles.gzip("{\"text\": \"j2\"}\n".getBytes()));
    write(corpus.resolve("more/notes.json"), "{\"text\": \"not jsonl\"}\n");
  }

  @Test
  void aSingleFileIsOneDocumentNamedByItsFileName() {
    Source source = Source.text(corpus.resolve("a/z.txt"));
    assertThat(texts(source)).containsExactly("a/z");
    assertThat(origins(source)).containsExactly("z.txt#0");
  }

  @Test
  void aDirectoryIsReadRecursivelyInRelativePathOrderSkippingHiddenFiles() {
    // Plain string order of the '/'-separated paths: '.' (0x2E) sorts before '/' (0x2F).
    assertThat(origins(Source.text(corpus))).containsExactly(
        "a.txt#0", "a/b/c.md#0", "a/z.txt#0", "b.txt#0", "data.jsonl#0", "more/data.jsonl.gz#0",
        "more/notes.json#0");
  }

  @Test
  void aJsonlDirectoryReadsOnlyJsonlAndJsonlGzFiles() {
    Source source = Source.jsonl(corpus, "text");
    assertThat(texts(source)).containsExactly("j1", "j2");
    assertThat(origins(source)).containsExactly("data.jsonl#0", "more/data.jsonl.gz#0");
  }

  @Test
  void aGlobMatchesPathsRelativeToTheDirectoryBeforeItsFirstWildcard() {
    assertThat(origins(Source.text(corpus + "/**.txt"))).containsExactly("a.txt#0", "a/z.txt#0", "b.txt#0");
    assertThat(origins(Source.text(corpus + "/*.txt"))).containsExactly("a.txt#0", "b.txt#0");
    assertThat(origins(Source.text(corpus + "/{a,b}.txt"))).containsExactly("a.txt#0", "b.txt#0");
    assertThat(origins(Source.text(corpus + "/a/?.txt"))).containsExactly("z.txt#0");
    assertThat(origins(Source.jsonl(corpus + "/**data.jsonl*", "text")))
        .containsExactly("data.jsonl#0", "more/data.jsonl.gz#0");
  }

  @Test
  void aWildcardInsideANameTakesTheRootFromTheLastSeparatorBeforeIt() {
    assertThat(origins(Source.text(corpus + "/mo*/*.json"))).containsExactly("more/notes.json#0");
  }

  @Test
  void aGlobSkipsHiddenFilesAndDirectoriesToo() {
    assertThat(texts(Source.text(corpus + "/**"))).doesNotContain("hidden file", "hidden directory")
        .hasSize(7);
  }

  @Test
  void aMissingLocationIsAnErrorNamingIt() {
    String missing = tmp.resolve("nope").toString();
    assertThatThrownBy(() -> Source.text(missing).documents())
        .isInstanceOf(DataException.class).hasMessageContaining(missing).hasMessageContaining("no such file");
  }

  @Test
  void aDirectoryWithoutMatchingFilesIsAnErrorNamingIt() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    write(empty.resolve(".only-hidden"), "x");
    assertThatThrownBy(() -> Source.text(empty).documents())
        .isInstanceOf(DataException.class).hasMessageStartingWith(empty + ": matches no file");
    Path textOnly = tmp.resolve("textOnly");
    write(textOnly.resolve("a.txt"), "x");
    assertThatThrownBy(() -> Source.jsonl(textOnly, "text").documents())
        .isInstanceOf(DataException.class).hasMessageContaining(textOnly.toString()).hasMessageContaining("JSONL");
  }

  @Test
  void aGlobMatchingNothingIsAnErrorNamingIt() {
    String glob = corpus + "/**.pdf";
    assertThatThrownBy(() -> Source.text(glob).documents())
        .isInstanceOf(DataException.class).hasMessageStartingWith(glob + ": matches no file");
    String missingRoot = tmp.resolve("nope") + "/*.txt";
    assertThatThrownBy(() -> Source.text(missingRoot).documents())
        .isInstanceOf(DataException.class).hasMessageContaining(missingRoot).hasMessageContaining("does not exist");
  }

  @Test
  void theFingerprintReportsAMissingLocationToo() {
    assertThatThrownBy(() -> Source.text(corpus + "/**.pdf").fingerprint()).isInstanceOf(DataException.class);
  }
}
