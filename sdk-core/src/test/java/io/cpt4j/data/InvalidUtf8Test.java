package io.cpt4j.data;

import static io.cpt4j.data.TestFiles.bytes;
import static io.cpt4j.data.TestFiles.gzip;
import static io.cpt4j.data.TestFiles.read;
import static io.cpt4j.data.TestFiles.texts;
import static io.cpt4j.data.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Invalid UTF-8 fails with the file and the byte offset of the first malformed byte (in the
 * decompressed content for gzip), or becomes U+FFFD on request; it is never skipped.
 */
class InvalidUtf8Test {
  private static final byte[] FF = {(byte) 0xFF};
  /** "é" is 2 bytes and "€" 3, so character and byte offsets differ: the prefix is 11 characters and 14 bytes. */
  private static final String PREFIX = "ab é €\nxyz ";

  @TempDir Path tmp;

  private static void assertFailsAt(Source source, Path file, long offset) {
    assertThatThrownBy(() -> read(source))
        .isInstanceOf(DataException.class)
        .hasMessageStartingWith(file + ": invalid UTF-8 at byte offset " + offset + ";")
        .hasMessageContaining("replaceInvalidUtf8");
  }

  @Test
  void aWholeFileFailsAtTheOffsetOfTheFirstBadByte() {
    assertThat(PREFIX.getBytes(StandardCharsets.UTF_8)).hasSize(14);
    Path f = write(tmp.resolve("bad.txt"), bytes(PREFIX, FF, "rest" + "\u00e9"));
    assertFailsAt(Source.text(f), f, 14);
  }

  @Test
  void blockDocumentsReportOffsetsInTheFileNotTheBlock() {
    Path f = write(tmp.resolve("bad.txt"), bytes("first block\n\n" + PREFIX, FF, "\n\nthird"));
    assertFailsAt(Source.text(f).blankLineDocuments(), f, 13 + 14);
  }

  @Test
  void jsonlReportsOffsetsInTheFileNotTheLine() {
    String good = "{\"text\": \"ok\"}\n\n";
    Path f = write(tmp.resolve("bad.jsonl"), bytes(good + "{\"text\": \"caf", FF, "\"}\n"));
    assertFailsAt(Source.jsonl(f, "text"), f, good.length() + 13);
  }

  @Test
  void aGzipFileReportsTheOffsetInTheDecompressedContentAndSaysSo() {
    Path f = write(tmp.resolve("bad.txt.gz"), gzip(bytes("x".repeat(100_000) + PREFIX, FF, "tail")));
    assertThatThrownBy(() -> read(Source.text(f)))
        .isInstanceOf(DataException.class)
        .hasMessageStartingWith(f + ": invalid UTF-8 at byte offset 100014 of the decompressed content")
        .hasMessageContaining("gzip");
  }

  @Test
  void aGzipJsonlFileReportsTheDecompressedOffsetToo() {
    String good = "{\"text\": \"" + "y".repeat(70_000) + "\"}\n";
    Path f = write(tmp.resolve("bad.jsonl.gz"), gzip(bytes(good + "{\"text\": \"", FF, "\"}\n")));
    assertThatThrownBy(() -> read(Source.jsonl(f, "text")))
        .isInstanceOf(DataException.class)
        .hasMessageStartingWith(f + ": invalid UTF-8 at byte offset " + (good.length() + 10) + " of the decompressed");
  }

  @Test
  void aByteOrderMarkCountsInTheOffset() {
    byte[] bomThenBad = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'a', 'b', (byte) 0x80};
    Path f = write(tmp.resolve("bom.txt"), bomThenBad);
    assertFailsAt(Source.text(f), f, 5);
    assertFailsAt(Source.text(f).blankLineDocuments(), f, 5);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "80", // a continuation byte alone
      "C3", // a lead byte without its continuation (before an ASCII byte)
      "C0AF", // an overlong '/'
      "EDA080", // an encoded surrogate
      "F4908080", // above U+10FFFF
      "E282"}) // a truncated 3-byte sequence
  void everyKindOfMalformedSequenceFailsAtItsFirstByte(String hex) {
    byte[] bad = java.util.HexFormat.of().parseHex(hex);
    Path f = write(tmp.resolve("bad.txt"), bytes("ok ", bad, "x"));
    assertFailsAt(Source.text(f), f, 3);
  }

  @Test
  void aSequenceTruncatedByTheEndOfTheFileFails() {
    Path f = write(tmp.resolve("end.txt"), bytes("ok", new byte[] {(byte) 0xE2, (byte) 0x82}, ""));
    assertFailsAt(Source.text(f), f, 2);
  }

  @Test
  void replacementDecodesEachMalformedSequenceAsUfffdAndKeepsValidText() {
    byte[] content = bytes("é=", new byte[] {(byte) 0xFF, 'a', (byte) 0xC0, (byte) 0xAF, 'b', (byte) 0xE2, (byte) 0x82},
        "€\n\nnext");
    Path f = write(tmp.resolve("r.txt"), content);
    // 0xC0 0xAF are two malformed bytes to the JDK decoder (0xC0 can never start a sequence).
    assertThat(texts(Source.text(f).replaceInvalidUtf8())).containsExactly("é=\uFFFDa\uFFFD\uFFFDb\uFFFD€\n\nnext");
    assertThat(texts(Source.text(f).blankLineDocuments().replaceInvalidUtf8()))
        .containsExactly("é=\uFFFDa\uFFFD\uFFFDb\uFFFD€", "next");
  }

  @Test
  void replacementWorksInJsonlAndGzip() {
    Path f = write(tmp.resolve("r.jsonl.gz"), gzip(bytes("{\"text\": \"caf", FF, "é\"}\n")));
    assertThat(texts(Source.jsonl(f, "text").replaceInvalidUtf8())).containsExactly("caf\uFFFDé");
  }
}
