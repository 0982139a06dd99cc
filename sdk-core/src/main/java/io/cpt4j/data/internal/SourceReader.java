package io.cpt4j.data.internal;

import io.cpt4j.data.DataException;
import io.cpt4j.data.Document;
import io.cpt4j.data.Source;
import io.cpt4j.data.internal.SourceFiles.SourceFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads a {@link Source}'s documents (see {@link SourceFiles} for which files, {@link FileDocuments}
 * for how each file becomes documents) and computes its fingerprint. Stateless and thread-safe; each
 * stream is single-threaded and holds at most one file open.
 *
 * <p>Splits: a document belongs to the validation side when {@link #unitHash(long, String)
 * unitHash(seed, origin)} is below the fraction, so membership depends on nothing but the seed and
 * the document's origin (the file's relative path and the document's index in it).
 */
public final class SourceReader {
  /** Bumped whenever a change of this reader can change the documents of unchanged files. */
  private static final String FORMAT = "cpt4j-source-v1";

  private SourceReader() {}

  /**
   * The source's documents in order: files by relative path, documents by position in their file.
   * The location is resolved now; files are opened one at a time while streaming. Close the stream
   * to close the open file.
   *
   * @throws DataException if the location matches no file or cannot be listed; later, while
   *     streaming, for an unreadable or malformed file
   */
  public static Stream<Document> documents(Source source) {
    DocumentIterator iterator = new DocumentIterator(source, SourceFiles.resolve(source));
    Spliterator<Document> spliterator = Spliterators.spliteratorUnknownSize(iterator,
        Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.IMMUTABLE);
    return StreamSupport.stream(spliterator, false).onClose(iterator::close);
  }

  /** One file of a source: where it is and its path relative to the source's root. */
  public record FileRef(String path, String relative, long bytes, long modified) implements java.io.Serializable {}

  /**
   * The files of {@code source} in its document order, with their sizes and modification times
   * (for engines that read the files elsewhere, one task per file).
   *
   * @throws DataException if the location matches no file or cannot be listed
   */
  public static List<FileRef> files(Source source) {
    return SourceFiles.resolve(source).stream().map(f -> {
      try {
        return new FileRef(f.path().toString(), f.relative(), Files.size(f.path()),
            Files.getLastModifiedTime(f.path()).toMillis());
      } catch (IOException e) {
        throw FileDocuments.readError(f, false, e);
      }
    }).toList();
  }

  /**
   * The documents of one file of {@code source} (one of {@link #files}), in order, the split side
   * applied: exactly those {@link #documents(Source)} gives for that file. Close the stream to close
   * the file; {@code replacedUtf8} then receives how many malformed UTF-8 sequences were replaced by
   * U+FFFD (0 unless the source replaces).
   *
   * @throws DataException while streaming, for an unreadable or malformed file
   */
  public static Stream<Document> documents(Source source, FileRef file, java.util.function.LongConsumer replacedUtf8) {
    DocumentIterator iterator =
        new DocumentIterator(source, List.of(new SourceFile(Path.of(file.path()), file.relative())));
    Spliterator<Document> spliterator = Spliterators.spliteratorUnknownSize(iterator,
        Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.IMMUTABLE);
    return StreamSupport.stream(spliterator, false).onClose(() -> {
      iterator.close();
      replacedUtf8.accept(iterator.replaced);
    });
  }

  /**
   * Hex SHA-256 over a format tag, the options that decide the documents (kind, text field,
   * blank-line mode, metadata fields, constant metadata, UTF-8 policy, split side) and, per matched
   * file in order, its relative path, length and raw bytes (compressed bytes for a gzip file). The
   * source's name and the location's spelling are not part of it, so a moved corpus keeps its
   * fingerprint.
   *
   * @throws DataException if the location matches no file or a file cannot be read
   */
  public static String fingerprint(Source source) {
    List<SourceFile> files = SourceFiles.resolve(source);
    MessageDigest sha = sha256();
    Fields out = new Fields(sha);
    out.string(FORMAT);
    out.string(source.kind().name());
    out.string(source.field() == null ? "" : source.field());
    out.bool(source.isBlankLineDocuments());
    TreeSet<String> metadataFields = new TreeSet<>(source.metadataFields());
    out.number(metadataFields.size());
    metadataFields.forEach(out::string);
    Map<String, String> constant = new TreeMap<>(source.constantMetadata());
    out.number(constant.size());
    constant.forEach((k, v) -> {
      out.string(k);
      out.string(v);
    });
    out.string(source.utf8Errors().name());
    Source.SplitSpec split = source.splitSpec();
    out.bool(split != null);
    if (split != null) {
      out.number(Double.doubleToLongBits(split.fraction()));
      out.number(split.seed());
      out.bool(split.validation());
    }
    out.number(files.size());
    byte[] buffer = new byte[1 << 16];
    for (SourceFile file : files) {
      out.string(file.relative());
      long length = 0;
      try (InputStream in = Files.newInputStream(file.path())) {
        out.number(Files.size(file.path()));
        for (int n; (n = in.read(buffer)) > 0; ) {
          sha.update(buffer, 0, n);
          length += n;
        }
      } catch (IOException e) {
        throw FileDocuments.readError(file, false, e);
      }
      out.number(length); // what was hashed, in case the file changed while being read
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * A stable hash of {@code seed} and {@code origin} mapped to [0, 1): the first 53 bits of the
   * SHA-256 of the seed (8 bytes, big-endian) followed by the origin's UTF-8 bytes.
   */
  static double unitHash(long seed, String origin) {
    MessageDigest sha = sha256();
    for (int shift = 56; shift >= 0; shift -= 8) {
      sha.update((byte) (seed >>> shift));
    }
    byte[] digest = sha.digest(origin.getBytes(StandardCharsets.UTF_8));
    long bits = 0;
    for (int i = 0; i < 8; i++) {
      bits = (bits << 8) | (digest[i] & 0xFF);
    }
    return (bits >>> 11) * 0x1.0p-53;
  }

  /** Whether a document with this origin is kept by a source on the given split side. */
  static boolean keeps(Source.SplitSpec split, String origin) {
    return (unitHash(split.seed(), origin) < split.fraction()) == split.validation();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Unambiguous field encoding for the fingerprint: length-prefixed strings, 8-byte numbers. */
  private record Fields(MessageDigest sha) {
    void string(String s) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      number(bytes.length);
      sha.update(bytes);
    }

    void number(long v) {
      for (int shift = 56; shift >= 0; shift -= 8) {
        sha.update((byte) (v >>> shift));
      }
    }

    void bool(boolean b) {
      sha.update((byte) (b ? 1 : 0));
    }
  }

  /** Walks the files one at a time, filtering by the split side. */
  private static final class DocumentIterator implements Iterator<Document> {
    private final Source source;
    private final List<SourceFile> files;
    private int nextFile;
    private FileDocuments current;
    private Document next;
    private boolean closed;
    private long replaced; // malformed UTF-8 sequences replaced in the files closed so far

    DocumentIterator(Source source, List<SourceFile> files) {
      this.source = source;
      this.files = files;
    }

    @Override
    public boolean hasNext() {
      if (next != null) {
        return true;
      }
      if (closed) {
        return false;
      }
      try {
        next = advance();
      } catch (RuntimeException e) {
        close();
        throw e;
      }
      return next != null;
    }

    private Document advance() {
      while (true) {
        if (current == null) {
          if (nextFile == files.size()) {
            closed = true;
            return null;
          }
          current = FileDocuments.open(source, files.get(nextFile++));
        }
        Document document = current.next();
        if (document == null) {
          replaced += current.replacedUtf8();
          current.close();
          current = null;
        } else if (source.splitSpec() == null || keeps(source.splitSpec(), document.origin())) {
          return document;
        }
      }
    }

    @Override
    public Document next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Document document = next;
      next = null;
      return document;
    }

    void close() {
      closed = true;
      next = null;
      if (current != null) {
        replaced += current.replacedUtf8();
        current.close();
        current = null;
      }
    }
  }
}
