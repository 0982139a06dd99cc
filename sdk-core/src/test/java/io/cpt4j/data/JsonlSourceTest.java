package io.cpt4j.data;

import static io.cpt4j.data.TestFiles.read;
import static io.cpt4j.data.TestFiles.texts;
import static io.cpt4j.data.TestFiles.write;
import static io.cpt4j.data.TestFiles.writeGzip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** JSON Lines sources: the text field, metadata fields, blank lines, and errors with line numbers. */
class JsonlSourceTest {
  @TempDir Path tmp;

  @Test
  void eachLineIsADocumentTakenFromTheTextField() {
    Path f = write(tmp.resolve("d.jsonl"),
        "{\"text\": \"plain\", \"other\": 1}\n{\"text\": \"esc\\u00e9 \\\"q\\\"\\nnewline\"}\r\n{\"text\": \"\"}");
    assertThat(texts(Source.jsonl(f, "text"))).containsExactly("plain", "escé \"q\"\nnewline", "");
  }

  @Test
  void blankLinesAreSkippedAndNotCountedInOrigins() {
    Path f = write(tmp.resolve("d.jsonl"), "\n{\"t\": \"a\"}\n   \n\n{\"t\": \"b\"}\n\t\n");
    var documents = read(Source.jsonl(f, "t"));
    assertThat(documents).extracting(Document::text).containsExactly("a", "b");
    assertThat(documents).extracting(Document::origin).containsExactly("d.jsonl#0", "d.jsonl#1");
  }

  @Test
  void metadataFieldsAreCopiedAsStringsAndMissingOrNullOnesLeftOut() {
    Path f = write(tmp.resolve("m.jsonl"), """
        {"text": "a", "url": "https://example.org/a", "year": 1790, "ok": true, "score": 0.5, "tags": ["x", 1], "nested": {"k": "v"}}
        {"text": "b", "url": null}
        """);
    var documents = read(Source.jsonl(f, "text").metadataFields("url", "year", "ok", "score", "tags", "nested"));
    assertThat(documents.get(0).metadata()).isEqualTo(Map.of("url", "https://example.org/a", "year", "1790",
        "ok", "true", "score", "0.5", "tags", "[\"x\",1]", "nested", "{\"k\":\"v\"}"));
    assertThat(documents.get(1).metadata()).isEmpty();
  }

  @Test
  void constantMetadataIsAddedAndWinsOverAFieldOfTheSameName() {
    Path f = write(tmp.resolve("m.jsonl"), "{\"text\": \"a\", \"domain\": \"web\", \"url\": \"u\"}\n");
    var document = read(Source.jsonl(f, "text").metadataFields("domain", "url").metadata("domain", "finance")).get(0);
    assertThat(document.metadata()).isEqualTo(Map.of("domain", "finance", "url", "u"));
  }

  @Test
  void gzipJsonlIsRead() {
    Path f = writeGzip(tmp.resolve("d.jsonl.gz"), "{\"text\": \"zipped\"}\n");
    assertThat(texts(Source.jsonl(f, "text"))).containsExactly("zipped");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "not json at all          | not valid JSON",
      "{\"text\": \"unterminated | not valid JSON",
      "{\"text\": \"a\"} {\"text\": \"b\"} | not valid JSON",
      "[\"text\", \"a\"]          | not a JSON object",
      "\"just a string\"        | not a JSON object",
      "42                       | not a JSON object",
      "{\"body\": \"a\"}            | no field 'text'",
      "{\"text\": 7}              | field 'text' is not a string but a number",
      "{\"text\": null}           | field 'text' is not a string but null",
      "{\"text\": [\"a\"]}          | field 'text' is not a string but an array",
      "{\"text\": {\"a\": 1}}       | field 'text' is not a string but an object"})
  void aBadLineIsAnErrorWithFileAndLineNumber(String badLine, String problem) {
    // Line 4 counts the blank line 2: numbers are the file's physical lines, 1-based.
    Path f = write(tmp.resolve("bad.jsonl"), "{\"text\": \"ok\"}\n\n{\"text\": \"ok\"}\n" + badLine + "\n{\"text\": \"x\"}\n");
    assertThatThrownBy(() -> read(Source.jsonl(f, "text")))
        .isInstanceOf(DataException.class)
        .hasMessageStartingWith(f + ": line 4: " + problem);
  }

  @Test
  void documentsBeforeABadLineStreamAndTheErrorComesWhenItIsReached() {
    Path f = write(tmp.resolve("late.jsonl"), "{\"text\": \"one\"}\n{\"text\": \"two\"}\n{oops}\n");
    try (Stream<Document> documents = Source.jsonl(f, "text").documents()) {
      Iterator<Document> it = documents.iterator();
      assertThat(it.next().text()).isEqualTo("one");
      assertThat(it.next().text()).isEqualTo("two");
      assertThatThrownBy(it::next).isInstanceOf(DataException.class).hasMessageContaining(": line 3: ");
    }
  }

  @Test
  void aLineErrorInAGzipFileNamesTheLineToo() {
    Path f = writeGzip(tmp.resolve("bad.jsonl.gz"), "{\"text\": \"ok\"}\n{\"nope\": 1}\n");
    assertThatThrownBy(() -> read(Source.jsonl(f, "text")))
        .isInstanceOf(DataException.class).hasMessageStartingWith(f + ": line 2: no field 'text'");
  }
}
