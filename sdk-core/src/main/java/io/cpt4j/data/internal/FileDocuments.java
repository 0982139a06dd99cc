package io.cpt4j.data.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.data.DataException;
import io.cpt4j.data.Document;
import io.cpt4j.data.Source;
import io.cpt4j.data.internal.SourceFiles.SourceFile;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The documents of one file, read lazily in order. The file is gzip-decompressed when its first two
 * bytes are the gzip magic {@code 1f 8b}; a UTF-8 byte-order mark at the start of the (decompressed)
 * content is dropped; byte offsets in errors count the decompressed content.
 *
 * <ul>
 *   <li>Text, whole file: one document holding the content verbatim (an empty file gives one empty
 *       document). The file is read into memory at once: a document is as large as its file.
 *   <li>Text, blank-line blocks: a line is blank when it is empty or {@link String#isBlank()
 *       whitespace-only}; blank lines separate documents and are not part of them. A document is the
 *       block's lines verbatim, including inner line terminators, without the terminator of its last
 *       line; leading, trailing and repeated blank lines give no empty documents.
 *   <li>JSONL: one JSON object per line ({@code \n} or {@code \r\n}), blank lines skipped; the
 *       document is the string value of the text field; requested metadata fields are copied as
 *       strings (a number or boolean as written, an object or array as compact JSON; missing or
 *       null fields are left out).
 * </ul>
 *
 * <p>The index in a document's origin counts the file's documents from 0: blocks for blank-line
 * text, non-blank lines for JSONL. Constant metadata is added to every document and wins over a
 * JSONL field of the same name. Not thread-safe.
 */
final class FileDocuments implements Closeable {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final Source source;
  private final SourceFile file;
  private final InputStream in;
  private final boolean gzip;
  private final Utf8Decoder utf8;
  private final ByteLines lines;
  private long lineNumber; // 1-based number of the line last read
  private int index; // documents produced so far
  private boolean done;

  private FileDocuments(Source source, SourceFile file, InputStream in, boolean gzip) {
    this.source = source;
    this.file = file;
    this.in = in;
    this.gzip = gzip;
    this.utf8 = new Utf8Decoder(file.path().toString(), gzip, source.utf8Errors() == Source.Utf8Errors.REPLACE);
    this.lines = new ByteLines(in);
  }

  /** Opens {@code file}, detecting gzip by its magic bytes. */
  static FileDocuments open(Source source, SourceFile file) {
    InputStream raw = null;
    try {
      raw = Files.newInputStream(file.path());
      BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
      buffered.mark(2);
      boolean gzip = buffered.read() == 0x1f && buffered.read() == 0x8b;
      buffered.reset();
      InputStream in = gzip ? new GZIPInputStream(buffered, 1 << 16) : buffered;
      return new FileDocuments(source, file, in, gzip);
    } catch (IOException e) {
      closeQuietly(raw);
      throw readError(file, false, e);
    }
  }

  /** The next document, or null after the last one. */
  Document next() {
    if (done) {
      return null;
    }
    try {
      Document document = switch (source.kind()) {
        case TEXT -> source.isBlankLineDocuments() ? nextBlock() : wholeFile();
        case JSONL -> nextJsonLine();
        case DATASET -> throw new IllegalStateException("a prepared dataset has no text documents");
      };
      if (document == null) {
        done = true;
      }
      return document;
    } catch (IOException e) {
      throw readError(file, gzip, e);
    }
  }

  private Document wholeFile() throws IOException {
    byte[] bytes = in.readAllBytes();
    int skip = hasBom(bytes, 0, bytes.length) ? 3 : 0;
    done = true;
    return document(utf8.decode(bytes, skip, bytes.length - skip, skip), Map.of());
  }

  private Document nextBlock() throws IOException {
    StringBuilder block = new StringBuilder();
    while (nextLine()) {
      String line = decodeLine();
      if (line.isBlank()) {
        if (!block.isEmpty()) {
          break;
        }
      } else {
        block.append(line);
      }
    }
    if (block.isEmpty()) {
      return null;
    }
    int end = block.length();
    if (block.charAt(end - 1) == '\n') {
      end -= end >= 2 && block.charAt(end - 2) == '\r' ? 2 : 1;
    }
    block.setLength(end);
    return document(block.toString(), Map.of());
  }

  private Document nextJsonLine() throws IOException {
    while (nextLine()) {
      String line = decodeLine();
      if (line.isBlank()) {
        continue;
      }
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (JacksonException e) {
        throw lineError("not valid JSON: " + e.getOriginalMessage());
      }
      if (node == null || !node.isObject()) {
        throw lineError("not a JSON object");
      }
      JsonNode text = node.get(source.field());
      if (text == null) {
        throw lineError("no field '" + source.field() + "'");
      }
      if (!text.isTextual()) {
        throw lineError("field '" + source.field() + "' is not a string but " + kind(text));
      }
      Map<String, String> fields = new LinkedHashMap<>();
      for (String name : source.metadataFields()) {
        JsonNode value = node.get(name);
        if (value != null && !value.isNull()) {
          fields.put(name, value.isValueNode() ? value.asText() : value.toString());
        }
      }
      return document(text.textValue(), fields);
    }
    return null;
  }

  /** How many malformed UTF-8 sequences were replaced so far. */
  long replacedUtf8() {
    return utf8.replaced();
  }

  private boolean nextLine() throws IOException {
    if (!lines.next()) {
      return false;
    }
    lineNumber++;
    return true;
  }

  private String decodeLine() {
    int from = lines.from();
    int length = lines.length();
    if (lineNumber == 1 && hasBom(lines.bytes(), from, length)) {
      from += 3;
      length -= 3;
    }
    return utf8.decode(lines.bytes(), from, length, lines.offset() + (from - lines.from()));
  }

  private Document document(String text, Map<String, String> fields) {
    Map<String, String> metadata = fields;
    if (!source.constantMetadata().isEmpty()) {
      metadata = new LinkedHashMap<>(fields);
      metadata.putAll(source.constantMetadata());
    }
    return new Document(text, metadata, file.relative() + "#" + index++);
  }

  private DataException lineError(String what) {
    return new DataException(file.path() + ": line " + lineNumber + ": " + what);
  }

  private static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  private static boolean hasBom(byte[] bytes, int from, int length) {
    return length >= 3 && bytes[from] == (byte) 0xEF && bytes[from + 1] == (byte) 0xBB && bytes[from + 2] == (byte) 0xBF;
  }

  static DataException readError(SourceFile file, boolean gzip, IOException e) {
    return new DataException(file.path() + ": cannot read" + (gzip ? " (gzip)" : "") + ": " + e, e);
  }

  @Override
  public void close() {
    done = true;
    closeQuietly(in);
  }

  private static void closeQuietly(InputStream stream) {
    if (stream != null) {
      try {
        stream.close();
      } catch (IOException ignored) {
        // Nothing was written: a failed close loses nothing.
      }
    }
  }
}
