package io.cpt4j.data;

import static io.cpt4j.data.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The document stream is lazy, holds one file open at a time, and closing it closes that file. */
class SourceStreamTest {
  @TempDir Path tmp;

  /** Open descriptors of this JVM that point at {@code file} (Linux: /proc/self/fd). */
  private static long openDescriptors(Path file) throws IOException {
    Path real = file.toRealPath();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).equals(real);
        } catch (IOException e) {
          return false; // closed between listing and reading
        }
      }).count();
    }
  }

  @Test
  void closingTheStreamClosesTheOpenFile() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd");
    Path a = write(tmp.resolve("a.txt"), "one\n\ntwo\n");
    Path b = write(tmp.resolve("b.txt"), "three\n\nfour\n");
    Stream<Document> documents = Source.text(tmp).blankLineDocuments().documents();
    assertThat(openDescriptors(a)).isZero(); // nothing opened before the first document is asked for
    Iterator<Document> it = documents.iterator();
    assertThat(it.next().text()).isEqualTo("one");
    assertThat(openDescriptors(a)).isEqualTo(1);
    it.next();
    assertThat(it.next().text()).isEqualTo("three");
    assertThat(openDescriptors(a)).as("a finished file is closed").isZero();
    assertThat(openDescriptors(b)).isEqualTo(1);
    documents.close();
    assertThat(openDescriptors(b)).isZero();
  }

  @Test
  void aFailingFileIsClosedBeforeTheErrorSurfaces() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc/self/fd");
    Path bad = write(tmp.resolve("bad.jsonl"), "{\"text\": \"ok\"}\n[]\n{\"text\": \"never\"}\n");
    Iterator<Document> it = Source.jsonl(bad, "text").documents().iterator(); // deliberately not closed
    it.next();
    assertThatThrownBy(it::next).isInstanceOf(DataException.class);
    assertThat(openDescriptors(bad)).isZero();
  }

  @Test
  void aFileDeletedAfterResolutionIsAnErrorNamingIt() throws Exception {
    write(tmp.resolve("a.txt"), "a");
    Path b = write(tmp.resolve("b.txt"), "b");
    try (Stream<Document> documents = Source.text(tmp).documents()) {
      Iterator<Document> it = documents.iterator();
      assertThat(it.next().text()).isEqualTo("a");
      Files.delete(b);
      assertThatThrownBy(it::next).isInstanceOf(DataException.class).hasMessageStartingWith(b + ": cannot read");
    }
  }
}
