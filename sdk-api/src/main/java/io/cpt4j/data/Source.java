package io.cpt4j.data;

import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A corpus of documents on disk, described, not loaded: a text file, a directory tree or a glob of
 * plain-text or JSON Lines files, gzip-compressed or not. Immutable and thread-safe; every option
 * returns a new {@code Source}.
 *
 * <p>Locations: a file; a directory (every regular, non-hidden file below it, recursively; for JSONL
 * the files named {@code *.jsonl} or {@code *.jsonl.gz}); or a glob such as {@code
 * "data/finance/**.txt"}, whose part before the first wildcard is the root directory and whose
 * remainder is matched against paths relative to it. Files are read in the order of their relative
 * paths (so the document order is stable), and a file whose first two bytes are the gzip magic is
 * decompressed whatever its name.
 *
 * <p>Documents: for {@link #text}, one document per file, or one per blank-line-separated block with
 * {@link #blankLineDocuments()}; for {@link #jsonl}, one per line, the text taken from a string
 * field (blank lines are skipped; a line that is not a JSON object or lacks the field is an error
 * naming the file and line). Invalid UTF-8 fails with the file and the byte offset of the first bad
 * byte unless {@link #replaceInvalidUtf8()} asks for U+FFFD replacement — a document is never
 * skipped silently.
 *
 * <p>Defaults: whole files as documents, no metadata, invalid UTF-8 fails, named after the location
 * as given.
 */
public final class Source {
  /** The file format of a source. */
  public enum Kind {
    /** Plain UTF-8 text. */
    TEXT,
    /** JSON Lines: one JSON object per line. */
    JSONL,
    /**
     * A token dataset already prepared ({@code cpt4j data prepare}, on one machine or with Spark): its
     * directory is used as it is, without reading or tokenizing text.
     */
    DATASET
  }

  /** What reading does with bytes that are not valid UTF-8. */
  public enum Utf8Errors {
    /** Throw a {@link DataException} naming the file and byte offset (the default). */
    FAIL,
    /** Decode each malformed sequence as U+FFFD and count it. */
    REPLACE
  }

  /**
   * A deterministic hold-out: a document goes to validation when a hash of {@code seed} and its
   * {@link Document#origin()} falls below {@code fraction}, independently of every other document,
   * so membership is stable across runs and under added or removed files.
   *
   * @param fraction the validation share, in (0, 1)
   * @param seed the hash seed
   * @param validation which side this source keeps: the validation documents or the rest
   */
  public record SplitSpec(double fraction, long seed, boolean validation) {
    public SplitSpec {
      if (!(fraction > 0 && fraction < 1)) {
        throw new IllegalArgumentException("split fraction must be in (0, 1), got " + fraction);
      }
    }
  }

  /** The two disjoint sides of {@link #split}: together they hold every document exactly once. */
  public record Split(Source train, Source validation) {}

  private final Kind kind;
  private final String location;
  private final String field;
  private final boolean blankLineDocuments;
  private final List<String> metadataFields;
  private final Map<String, String> constantMetadata;
  private final Utf8Errors utf8Errors;
  private final String name;
  private final SplitSpec split;

  private Source(Kind kind, String location, String field, boolean blankLineDocuments, List<String> metadataFields,
      Map<String, String> constantMetadata, Utf8Errors utf8Errors, String name, SplitSpec split) {
    this.kind = kind;
    this.location = location;
    this.field = field;
    this.blankLineDocuments = blankLineDocuments;
    this.metadataFields = List.copyOf(metadataFields);
    this.constantMetadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(constantMetadata));
    this.utf8Errors = utf8Errors;
    this.name = name;
    this.split = split;
  }

  /** Plain-text documents at a file, directory or glob (see the class description). */
  public static Source text(String pathOrGlob) {
    requireLocation(pathOrGlob);
    return new Source(Kind.TEXT, pathOrGlob, null, false, List.of(), Map.of(), Utf8Errors.FAIL, pathOrGlob, null);
  }

  /** Plain-text documents at a file or directory. */
  public static Source text(Path path) {
    return text(path.toString());
  }

  /** JSON Lines documents at a file, directory or glob, the text taken from string field {@code field}. */
  public static Source jsonl(String pathOrGlob, String field) {
    requireLocation(pathOrGlob);
    if (field == null || field.isEmpty()) {
      throw new IllegalArgumentException("a JSONL source needs the name of its text field");
    }
    return new Source(Kind.JSONL, pathOrGlob, field, false, List.of(), Map.of(), Utf8Errors.FAIL, pathOrGlob, null);
  }

  /** JSON Lines documents at a file or directory, the text taken from string field {@code field}. */
  public static Source jsonl(Path path, String field) {
    return jsonl(path.toString(), field);
  }

  /**
   * The token dataset in {@code directory} ({@code dataset.json} and its shards, as {@code cpt4j data
   * prepare} writes them, on one machine or with Spark): training reads it as it is, in its stored
   * order if it is {@link TokenDataset#ordered() ordered}. It must have been tokenized with the run's
   * tokenizer (checked when the run prepares its data). Its documents are tokens, not text: the
   * text options ({@link #split}, metadata, {@link #documents()}) do not apply.
   */
  public static Source dataset(String directory) {
    requireLocation(directory);
    return new Source(Kind.DATASET, directory, null, false, List.of(), Map.of(), Utf8Errors.FAIL, directory, null);
  }

  /** {@link #dataset(String)} of a path. */
  public static Source dataset(Path directory) {
    return dataset(directory.toString());
  }

  private void requireText(String what) {
    if (kind == Kind.DATASET) {
      throw new IllegalStateException(what + " applies to text and JSONL sources, not to the prepared dataset "
          + location + " (it is already tokenized)");
    }
  }

  private static void requireLocation(String location) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("a source needs a file, directory or glob");
    }
  }

  /** Text sources only: one document per block of text separated by one or more blank lines. */
  public Source blankLineDocuments() {
    if (kind != Kind.TEXT) {
      throw new IllegalStateException("blank-line documents apply to text sources, not " + kind);
    }
    return new Source(kind, location, field, true, metadataFields, constantMetadata, utf8Errors, name, split);
  }

  /**
   * JSONL sources only: copy these top-level fields of each line into the document's metadata (as
   * strings; a missing or null field is left out).
   */
  public Source metadataFields(String... fields) {
    requireText("metadata");
    if (kind != Kind.JSONL) {
      throw new IllegalStateException("metadata fields apply to JSONL sources; use metadata(key, value) for " + kind);
    }
    List<String> all = new ArrayList<>(metadataFields);
    all.addAll(List.of(fields));
    return new Source(kind, location, field, blankLineDocuments, all, constantMetadata, utf8Errors, name, split);
  }

  /** The same metadata on every document, e.g. {@code metadata("domain", "finance")}. */
  public Source metadata(String key, String value) {
    requireText("metadata");
    Map<String, String> all = new LinkedHashMap<>(constantMetadata);
    all.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return new Source(kind, location, field, blankLineDocuments, metadataFields, all, utf8Errors, name, split);
  }

  /** Decode invalid UTF-8 as U+FFFD instead of failing. */
  public Source replaceInvalidUtf8() {
    requireText("replaceInvalidUtf8");
    return new Source(kind, location, field, blankLineDocuments, metadataFields, constantMetadata,
        Utf8Errors.REPLACE, name, split);
  }

  /** A name for logs, reports and per-source counts (default: the location as given). */
  public Source named(String newName) {
    if (newName == null || newName.isBlank()) {
      throw new IllegalArgumentException("a source name must not be blank");
    }
    return new Source(kind, location, field, blankLineDocuments, metadataFields, constantMetadata, utf8Errors,
        newName, split);
  }

  /**
   * Disjoint train and validation sides holding {@code fraction} of the documents out for
   * validation (see {@link SplitSpec}). The sides are named {@code name + "/train"} and {@code name +
   * "/validation"}.
   *
   * @throws IllegalStateException if this source is already one side of a split
   */
  public Split split(double fraction, long seed) {
    requireText("a split");
    if (split != null) {
      throw new IllegalStateException("source '" + name + "' is already one side of a split");
    }
    return new Split(
        new Source(kind, location, field, blankLineDocuments, metadataFields, constantMetadata, utf8Errors,
            name + "/train", new SplitSpec(fraction, seed, false)),
        new Source(kind, location, field, blankLineDocuments, metadataFields, constantMetadata, utf8Errors,
            name + "/validation", new SplitSpec(fraction, seed, true)));
  }

  /**
   * Reads the documents in their stable order. The stream holds files open: close it (try with
   * resources). Errors surface as {@link DataException} while streaming.
   *
   * @throws DataException if the location matches no file or cannot be listed
   */
  public Stream<Document> documents() {
    requireText("reading documents");
    return Providers.data().documents(this);
  }

  /**
   * A hash of everything that decides this source's documents: the matched files' relative paths and
   * contents, and the options. Equal fingerprints mean equal documents; token shards use it to
   * decide whether they can be reused. Reads every file once.
   */
  public String fingerprint() {
    requireText("a text fingerprint");
    return Providers.data().fingerprint(this);
  }

  public Kind kind() {
    return kind;
  }

  /** The file, directory or glob as given. */
  public String location() {
    return location;
  }

  /** The JSONL text field, or null for text sources. */
  public String field() {
    return field;
  }

  public boolean isBlankLineDocuments() {
    return blankLineDocuments;
  }

  public List<String> metadataFields() {
    return metadataFields;
  }

  public Map<String, String> constantMetadata() {
    return constantMetadata;
  }

  public Utf8Errors utf8Errors() {
    return utf8Errors;
  }

  public String name() {
    return name;
  }

  /** The split side this source keeps, or null when it is not split. */
  public SplitSpec splitSpec() {
    return split;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Source s && kind == s.kind && location.equals(s.location) && Objects.equals(field, s.field)
        && blankLineDocuments == s.blankLineDocuments && metadataFields.equals(s.metadataFields)
        && constantMetadata.equals(s.constantMetadata) && utf8Errors == s.utf8Errors && name.equals(s.name)
        && Objects.equals(split, s.split);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, location, field, blankLineDocuments, metadataFields, constantMetadata, utf8Errors, name,
        split);
  }

  @Override
  public String toString() {
    return "Source[" + name + ": " + kind.name().toLowerCase(java.util.Locale.ROOT) + " " + location
        + (field != null ? " field " + field : "") + (split != null ? " " + split : "") + "]";
  }
}
