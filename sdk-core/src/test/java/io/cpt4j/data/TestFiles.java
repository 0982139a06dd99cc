package io.cpt4j.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/** Writing corpus files for source tests, and reading a source's documents into a list. */
final class TestFiles {
  private TestFiles() {}

  static Path write(Path file, String text) {
    return write(file, text.getBytes(StandardCharsets.UTF_8));
  }

  static Path write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path writeGzip(Path file, String text) {
    return write(file, gzip(text.getBytes(StandardCharsets.UTF_8)));
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** {@code prefix}'s UTF-8 bytes, then {@code bad}, then {@code suffix}'s UTF-8 bytes. */
  static byte[] bytes(String prefix, byte[] bad, String suffix) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(prefix.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(bad);
    out.writeBytes(suffix.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  static List<Document> read(Source source) {
    try (Stream<Document> documents = source.documents()) {
      return documents.toList();
    }
  }

  static List<String> texts(Source source) {
    return read(source).stream().map(Document::text).toList();
  }

  static List<String> origins(Source source) {
    return read(source).stream().map(Document::origin).toList();
  }
}
