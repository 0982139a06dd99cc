package io.cpt4j.data;

import static io.cpt4j.data.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fingerprint changes with every file and option that decides the documents, and only then. */
class SourceFingerprintTest {
  @TempDir Path tmp;
  Path dir;
  String before;

  @BeforeEach
  void corpus() {
    dir = tmp.resolve("corpus");
    write(dir.resolve("a.jsonl"), "{\"text\": \"alpha\", \"url\": \"u1\"}\n");
    write(dir.resolve("sub/b.jsonl"), "{\"text\": \"beta\", \"url\": \"u2\"}\n");
    before = jsonl().fingerprint();
  }

  private Source jsonl() {
    return Source.jsonl(dir, "text");
  }

  @Test
  void itIsAHexSha256AndRepeatable() {
    assertThat(before).matches("[0-9a-f]{64}");
    assertThat(jsonl().fingerprint()).isEqualTo(before);
  }

  @Test
  void theNameAndTheLocationsSpellingAndPlaceDoNotCount() throws Exception {
    assertThat(jsonl().named("general").fingerprint()).isEqualTo(before);
    assertThat(Source.jsonl(dir + "/", "text").fingerprint()).isEqualTo(before);
    Path moved = Files.move(dir, tmp.resolve("elsewhere"));
    assertThat(Source.jsonl(moved, "text").fingerprint()).isEqualTo(before);
  }

  @Test
  void rewritingTheSameBytesChangesNothing() throws Exception {
    write(dir.resolve("a.jsonl"), "{\"text\": \"alpha\", \"url\": \"u1\"}\n");
    Files.setLastModifiedTime(dir.resolve("sub/b.jsonl"), FileTime.fromMillis(0));
    assertThat(jsonl().fingerprint()).isEqualTo(before);
  }

  @Test
  void aFileNotReadDoesNotCount() {
    write(dir.resolve("notes.txt"), "not a JSONL file");
    write(dir.resolve(".hidden.jsonl"), "{\"text\": \"hidden\"}\n");
    assertThat(jsonl().fingerprint()).isEqualTo(before);
  }

  @Test
  void changedContentOfTheSameLengthChangesIt() {
    write(dir.resolve("sub/b.jsonl"), "{\"text\": \"betA\", \"url\": \"u2\"}\n");
    assertThat(jsonl().fingerprint()).isNotEqualTo(before);
  }

  @Test
  void anAddedFileChangesIt() {
    write(dir.resolve("c.jsonl"), "");
    assertThat(jsonl().fingerprint()).isNotEqualTo(before);
  }

  @Test
  void aRemovedFileChangesIt() throws Exception {
    Files.delete(dir.resolve("sub/b.jsonl"));
    assertThat(jsonl().fingerprint()).isNotEqualTo(before);
  }

  @Test
  void aRenamedFileChangesIt() throws Exception {
    Files.move(dir.resolve("sub/b.jsonl"), dir.resolve("sub/c.jsonl"));
    assertThat(jsonl().fingerprint()).isNotEqualTo(before);
  }

  @Test
  void movingContentBetweenFilesChangesIt() {
    write(dir.resolve("a.jsonl"), "{\"text\": \"alpha\", \"url\": \"u1\"}\n{\"text\": \"beta\", \"url\": \"u2\"}\n");
    write(dir.resolve("sub/b.jsonl"), "");
    assertThat(jsonl().fingerprint()).isNotEqualTo(before);
  }

  @Test
  void everyOptionThatChangesDocumentsChangesIt() {
    List<UnaryOperator<Source>> options = List.of(
        s -> Source.jsonl(dir, "url"),
        s -> Source.text(dir + "/**.jsonl"),
        s -> Source.text(dir + "/**.jsonl").blankLineDocuments(),
        s -> s.metadataFields("url"),
        s -> s.metadata("domain", "web"),
        s -> s.metadata("domain", "news"),
        s -> s.replaceInvalidUtf8(),
        s -> s.split(0.1, 1).train(),
        s -> s.split(0.1, 1).validation(),
        s -> s.split(0.1, 2).train(),
        s -> s.split(0.2, 1).train());
    List<String> fingerprints = options.stream().map(o -> o.apply(jsonl()).fingerprint()).toList();
    assertThat(fingerprints).doesNotContain(before).doesNotHaveDuplicates();
  }

  @Test
  void theOrderOfMetadataOptionsDoesNotCount() {
    assertThat(jsonl().metadata("a", "1").metadata("b", "2").fingerprint())
        .isEqualTo(jsonl().metadata("b", "2").metadata("a", "1").fingerprint());
    write(dir.resolve("a.jsonl"), "{\"text\": \"alpha\", \"url\": \"u1\", \"lang\": \"en\"}\n");
    assertThat(jsonl().metadataFields("url", "lang").fingerprint())
        .isEqualTo(jsonl().metadataFields("lang").metadataFields("url").fingerprint());
  }
}
