package io.cpt4j.data.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cpt4j.data.DataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code dataset.json}: what a token dataset directory holds. Shard {@code s} holds documents
 * {@code [firstDocument, firstDocument + documents)} and, in the concatenation of all documents,
 * tokens {@code [firstToken, firstToken + tokens)}.
 *
 * @param format always {@value #FORMAT}
 * @param version the shard format version ({@link ShardFormat#VERSION})
 * @param source the source's name
 * @param fingerprint the combined fingerprint, hex; also in every shard header
 * @param sourceFingerprint the source's own fingerprint (informational)
 * @param tokenizerFingerprint the tokenizer's fingerprint (informational)
 * @param metadataTemplate the template prefixes were rendered from, or null
 * @param dtype {@code "uint16"} or {@code "uint32"}
 * @param vocabSize the tokenizer's vocabulary size
 * @param documents documents in all shards
 * @param tokens tokens in all shards, metadata prefixes not included
 * @param prefixTokens metadata-prefix tokens in all shards
 * @param shards the shard files in document order
 * @param ordered true when samplers must read the documents in stored order instead of shuffling
 *     them (an In-Context Pretraining order); written only when true, absent (false) in older files
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
record DatasetManifest(String format, int version, String source, String fingerprint, String sourceFingerprint,
    String tokenizerFingerprint, String metadataTemplate, String dtype, int vocabSize, long documents, long tokens,
    long prefixTokens, List<Shard> shards, @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean ordered) {

  static final String FORMAT = "cpt4j-token-shards";
  static final String FILE = "dataset.json";

  /** One shard file, its place in the dataset, its length and its SHA-256 (hex). */
  record Shard(String file, long firstDocument, long documents, long firstToken, long tokens, long prefixTokens,
      long bytes, String sha256) {}

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .build();

  int width() {
    return "uint16".equals(dtype) ? 2 : 4;
  }

  void write(Path file) throws IOException {
    Files.write(file, JSON.writeValueAsBytes(this));
  }

  /** Reads and checks {@code dir/dataset.json}: its format, version and that its shards tile the documents. */
  static DatasetManifest read(Path dir) {
    Path file = dir.resolve(FILE);
    DatasetManifest m;
    try {
      m = JSON.readValue(file.toFile(), DatasetManifest.class);
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new DataException("token dataset " + dir + " has no " + FILE);
    } catch (IOException e) {
      String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw new DataException("token dataset " + file + " is not valid JSON: " + why, e);
    }
    if (!FORMAT.equals(m.format())) {
      throw invalid(file, "format is " + m.format() + ", expected " + FORMAT);
    }
    if (m.version() != ShardFormat.VERSION) {
      throw invalid(file, "has version " + m.version() + "; this cpt4j reads version " + ShardFormat.VERSION);
    }
    if (m.source() == null || m.fingerprint() == null || m.shards() == null) {
      throw invalid(file, "lacks source, fingerprint or shards");
    }
    if (!"uint16".equals(m.dtype()) && !"uint32".equals(m.dtype())) {
      throw invalid(file, "dtype is " + m.dtype() + ", expected uint16 or uint32");
    }
    long documents = 0;
    long tokens = 0;
    long prefixTokens = 0;
    for (Shard s : m.shards()) {
      if (s == null || s.file() == null || !s.file().matches("shard-\\d{5,}\\.bin")) {
        throw invalid(file, "lists a shard without a valid file name: " + s);
      }
      if (s.firstDocument() != documents || s.firstToken() != tokens || s.documents() < 1 || s.tokens() < 0
          || s.prefixTokens() < 0) {
        throw invalid(file, "shard " + s.file() + " does not continue where the previous one ended (documents "
            + documents + ", tokens " + tokens + ")");
      }
      documents += s.documents();
      tokens += s.tokens();
      prefixTokens += s.prefixTokens();
    }
    if (documents != m.documents() || tokens != m.tokens() || prefixTokens != m.prefixTokens()) {
      throw invalid(file, "totals (" + m.documents() + " documents, " + m.tokens() + " tokens, " + m.prefixTokens()
          + " prefix tokens) differ from the sum over its shards (" + documents + ", " + tokens + ", " + prefixTokens
          + ")");
    }
    return m;
  }

  private static DataException invalid(Path file, String what) {
    return new DataException("token dataset " + file + " " + what);
  }
}
