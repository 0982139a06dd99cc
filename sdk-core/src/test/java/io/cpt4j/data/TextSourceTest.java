package io.cpt4j.data;

import static io.cpt4j.data.TestFiles.gzip;
import static io.cpt4j.data.TestFiles.origins;
import static io.cpt4j.data.TestFiles.read;
import static io.cpt4j.data.TestFiles.texts;
import static io.cpt4j.data.TestFiles.write;
import static io.cpt4j.data.TestFiles.writeGzip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plain-text sources: whole files, blank-line blocks, gzip, byte-order marks, constant metadata. */
class TextSourceTest {
  @TempDir Path tmp;

  @Test
  void aWholeFileIsOneDocumentVerbatim() {
    String text = "Line one.\r\n\n  Line three\t\nlast line\n";
    assertThat(texts(Source.text(write(tmp.resolve("a.txt"), text)))).containsExactly(text);
  }

  @Test
  void anEmptyFileIsOneEmptyDocument() {
    assertThat(texts(Source.text(write(tmp.resolve("empty.txt"), "")))).containsExactly("");
  }

  @Test
  void blankLinesSeparateDocumentsAndAreNotPartOfThem() {
    Path f = write(tmp.resolve("blocks.txt"),
        "\n \n\tfirst para\nsecond line \n\n\n  \t \nsecond block\n \nthird\r\nblock\r\n\r\n\n");
    Source source = Source.text(f).blankLineDocuments();
    assertThat(texts(source)).containsExactly("\tfirst para\nsecond line ", "second block", "third\r\nblock");
    assertThat(origins(source)).containsExactly("blocks.txt#0", "blocks.txt#1", "blocks.txt#2");
  }

  @Test
  void aBlockAtTheEndWithoutANewlineIsKeptWhole() {
    Path f = write(tmp.resolve("b.txt"), "one\n\ntwo\nlines");
    assertThat(texts(Source.text(f).blankLineDocuments())).containsExactly("one", "two\nlines");
  }

  @Test
  void aFileOfBlankLinesGivesNoBlockDocuments() {
    Path f = write(tmp.resolve("blank.txt"), "\n   \n\t\n");
    write(tmp.resolve("z.txt"), "z");
    assertThat(origins(Source.text(tmp).blankLineDocuments())).containsExactly("z.txt#0");
  }

  @Test
  void blocksLongerThanTheReadBufferStayWhole() {
    String para = "word ".repeat(40_000).trim(); // 200 kB, beyond the 64 kB line buffer
    Path f = write(tmp.resolve("long.txt"), para + "\n\n" + para + "\n" + para + "\n\nend\n");
    assertThat(texts(Source.text(f).blankLineDocuments())).containsExactly(para, para + "\n" + para, "end");
  }

  @Test
  void gzipIsDetectedByItsMagicBytesNotItsName() {
    writeGzip(tmp.resolve("a.txt"), "compressed, named .txt");
    write(tmp.resolve("b.gz"), "plain, named .gz");
    writeGzip(tmp.resolve("c.txt.gz"), "p1\n\np2\n");
    assertThat(texts(Source.text(tmp))).containsExactly("compressed, named .txt", "plain, named .gz", "p1\n\np2\n");
    assertThat(texts(Source.text(tmp.resolve("c.txt.gz")).blankLineDocuments())).containsExactly("p1", "p2");
  }

  @Test
  void concatenatedGzipMembersAreOneStream() {
    ByteArrayOutputStream both = new ByteArrayOutputStream();
    both.writeBytes(gzip("first half\n".getBytes(StandardCharsets.UTF_8)));
    both.writeBytes(gzip("\nsecond half".getBytes(StandardCharsets.UTF_8)));
    Path f = write(tmp.resolve("multi.gz"), both.toByteArray());
    assertThat(texts(Source.text(f).blankLineDocuments())).containsExactly("first half", "second half");
  }

  @Test
  void aLargeGzipFileStreamsAllItsBlocks() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 50_000; i++) {
      text.append("document ").append(i).append("\nwith two lines\n\n");
    }
    Path f = writeGzip(tmp.resolve("big.txt.gz"), text.toString());
    var documents = read(Source.text(f).blankLineDocuments());
    assertThat(documents).hasSize(50_000);
    assertThat(documents.get(49_999).text()).isEqualTo("document 49999\nwith two lines");
    assertThat(documents.get(49_999).origin()).isEqualTo("big.txt.gz#49999");
  }

  @Test
  void aTruncatedGzipFileIsAnErrorNamingTheFile() {
    byte[] full = gzip("some text that will be cut short".repeat(100).getBytes(StandardCharsets.UTF_8));
    Path f = write(tmp.resolve("cut.gz"), Arrays.copyOf(full, full.length / 2));
    assertThatThrownBy(() -> read(Source.text(f)))
        .isInstanceOf(DataException.class).hasMessageStartingWith(f + ": cannot read (gzip)");
  }

  @Test
  void aLeadingByteOrderMarkIsDropped() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    Path f = write(tmp.resolve("bom.txt"), TestFiles.bytes("", bom, "first\n\nsecond"));
    assertThat(texts(Source.text(f))).containsExactly("first\n\nsecond");
    assertThat(texts(Source.text(f).blankLineDocuments())).containsExactly("first", "second");
  }

  @Test
  void constantMetadataIsOnEveryDocument() {
    Path f = write(tmp.resolve("m.txt"), "a\n\nb\n");
    var documents = read(Source.text(f).blankLineDocuments().metadata("domain", "finance").metadata("lang", "en"));
    assertThat(documents).extracting(Document::metadata)
        .containsOnly(Map.of("domain", "finance", "lang", "en")).hasSize(2);
    assertThat(read(Source.text(f))).extracting(Document::metadata).containsExactly(Map.of());
  }
}
