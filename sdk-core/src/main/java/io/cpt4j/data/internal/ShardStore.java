package io.cpt4j.data.internal;

import io.cpt4j.files.AtomicFiles;
import io.cpt4j.data.DataException;
import io.cpt4j.data.Document;
import io.cpt4j.data.ShardOptions;
import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token shards on disk: tokenizes a source once into a dataset directory and reuses it while the
 * source, the tokenizer and the metadata template are unchanged.
 *
 * <p>A dataset directory holds {@code dataset.json} ({@link DatasetManifest}: format version, source
 * name, the combined fingerprint, dtype, document and token counts, and each shard's document and
 * token range, length and SHA-256) and shard files {@code shard-00000.bin, shard-00001.bin, …}
 * ({@link ShardFormat}: a 96-byte header with magic, version, dtype, counts and the fingerprint; the
 * little-endian tokens; an int64 document index; and, with a metadata template, the prefix tokens and
 * their index). Tokens are uint16 when {@link Tokenizer#vocabSize()} is at most 65,536, else uint32.
 * The combined fingerprint is a SHA-256 over the format version, the source's fingerprint, the
 * tokenizer's fingerprint and the template, so a change to any of them rebuilds.
 *
 * <p>Building writes into a hidden sibling {@code .NAME.tmp-XXXX}, fsyncs it and renames it into
 * place (an existing dataset is renamed aside and deleted after), so the final name only ever holds
 * a complete dataset; a failure leaves the previous dataset as it was. Builds of one directory are
 * serialised, within the JVM and across processes, by a lock on the hidden sibling file {@code
 * .NAME.lock}; holding it, a build removes staging directories that crashed builds left behind. A
 * current dataset is first looked for without the lock, so datasets on read-only storage open. A
 * directory that is neither empty nor a dataset is never replaced.
 *
 * <p>Thread-safe.
 */
public final class ShardStore {
  private ShardStore() {}

  private static final Logger LOG = LoggerFactory.getLogger(ShardStore.class);
  private static final ConcurrentHashMap<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

  /** Tokenizes {@code source} into {@code directory}, or opens what is there if it is current. */
  public static TokenDataset prepare(Source source, Tokenizer tokenizer, Path directory, ShardOptions options) {
    if (source.kind() == Source.Kind.DATASET) {
      return prepared(source, tokenizer);
    }
    return build(source.name(), source.fingerprint(), source::documents, tokenizer, directory, options);
  }

  /** Opens a dataset directory without checking it against any source. */
  /**
   * A {@link Source.Kind#DATASET} source: its directory opened as it is, after checking that it was
   * tokenized with {@code tokenizer} (the same fingerprint in its {@code dataset.json}).
   */
  private static TokenDataset prepared(Source source, Tokenizer tokenizer) {
    Path dir = Path.of(source.location());
    if (!Files.isRegularFile(dir.resolve("dataset.json"))) {
      throw new DataException("source '" + source.name() + "': " + dir + " is not a prepared token dataset (no "
          + "dataset.json): prepare it with 'cpt4j data prepare', or give the text as a text or jsonl source");
    }
    DatasetManifest m = DatasetManifest.read(dir);
    if (!tokenizer.fingerprint().equals(m.tokenizerFingerprint())) {
      throw new DataException("source '" + source.name() + "': " + dir + " was tokenized with another tokenizer "
          + "(fingerprint " + m.tokenizerFingerprint() + ", this run's is " + tokenizer.fingerprint() + "): prepare it "
          + "again with the run's tokenizer");
    }
    return open(dir);
  }

  public static TokenDataset open(Path directory) {
    return MappedTokenDataset.open(directory.toAbsolutePath().normalize(), false);
  }

  /**
   * {@link #prepare} for documents from anywhere: {@code documents} is called (and its stream closed)
   * only when the directory must be rebuilt, and must give the documents whose fingerprint is {@code
   * sourceFingerprint}.
   *
   * @throws DataException if the directory exists and is not a token dataset, a document cannot be
   *     read, the tokenizer fails or gives an id that does not fit the dtype, or writing fails; the
   *     directory is then as it was
   */
  public static TokenDataset build(String sourceName, String sourceFingerprint,
      Supplier<? extends Stream<Document>> documents, Tokenizer tokenizer, Path directory, ShardOptions options) {
    Objects.requireNonNull(sourceName, "sourceName");
    Objects.requireNonNull(documents, "documents");
    Objects.requireNonNull(options, "options");
    Path target = directory.toAbsolutePath().normalize();
    String fingerprint = fingerprint(sourceFingerprint, tokenizer.fingerprint(), options.metadataTemplate());
    try {
      // Without the lock first, so that a current dataset on read-only storage opens; a rebuild
      // running meanwhile at worst makes it look stale, and the check is repeated under the lock.
      if (leftovers(target).isEmpty()) {
        TokenDataset current = current(target, fingerprint, false);
        if (current != null) {
          return current;
        }
      }
    } catch (IOException e) {
      // a rebuild renamed something meanwhile: look again under the lock
    }
    return locked(target, () -> {
      TokenDataset current = current(target, fingerprint, true);
      if (current != null) {
        return current;
      }
      write(target, sourceName, sourceFingerprint, fingerprint, documents, tokenizer, options);
      return MappedTokenDataset.open(target, false);
    });
  }

  /** Work done on a dataset directory while holding its lock. */
  interface LockedWork<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code work} holding the lock of {@code target} (within the JVM and across processes),
   * after removing what crashed builds of it left behind.
   *
   * @throws DataException if the work or the locking fails with an I/O error
   */
  static <T> T locked(Path target, LockedWork<T> work) {
    synchronized (JVM_LOCKS.computeIfAbsent(target, k -> new Object())) {
      try {
        Files.createDirectories(target.getParent());
        Path lockFile = target.resolveSibling("." + target.getFileName() + ".lock");
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock ignored = lockChannel.lock()) {
          removeLeftovers(target);
          return work.run();
        }
      } catch (IOException e) {
        throw new DataException("writing token dataset " + target + " failed, nothing was changed: " + e.getMessage(),
            e);
      }
    }
  }

  /** The combined fingerprint: SHA-256 over the format version and the three inputs, length-prefixed. */
  static String fingerprint(String sourceFingerprint, String tokenizerFingerprint, String metadataTemplate) {
    MessageDigest d = sha256();
    for (String part : new String[] {DatasetManifest.FORMAT + "/" + ShardFormat.VERSION,
        Objects.requireNonNull(sourceFingerprint, "sourceFingerprint"),
        Objects.requireNonNull(tokenizerFingerprint, "tokenizerFingerprint"), metadataTemplate}) {
      byte[] bytes = part == null ? new byte[0] : part.getBytes(StandardCharsets.UTF_8);
      d.update(ByteBuffer.allocate(4).putInt(part == null ? -1 : bytes.length).array());
      d.update(bytes);
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /**
   * Recomputes every shard's SHA-256 and compares it with {@code dataset.json} (opening checks
   * structure only, not every token byte).
   *
   * @throws DataException naming the first shard whose bytes changed
   */
  public static void verify(Path directory) {
    Path dir = directory.toAbsolutePath().normalize();
    for (DatasetManifest.Shard s : DatasetManifest.read(dir).shards()) {
      Path file = dir.resolve(s.file());
      MessageDigest d = sha256();
      try (InputStream in = new DigestInputStream(Files.newInputStream(file), d)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      } catch (IOException e) {
        throw new DataException("token shard " + file + " cannot be read: " + e.getMessage(), e);
      }
      String actual = HexFormat.of().formatHex(d.digest());
      if (!actual.equals(s.sha256())) {
        throw new DataException("token shard " + file + " has SHA-256 " + actual + " but dataset.json says "
            + s.sha256() + ": its contents changed");
      }
    }
  }

  /** The dataset at {@code target} if its fingerprint matches and it opens cleanly, else null. */
  private static TokenDataset current(Path target, String fingerprint, boolean log) throws IOException {
    if (!Files.exists(target)) {
      return null;
    }
    if (!Files.isDirectory(target)) {
      throw new DataException(
          target + " exists and is not a directory; choose another directory for the token dataset");
    }
    if (!Files.exists(target.resolve(DatasetManifest.FILE))) {
      try (Stream<Path> entries = Files.list(target)) {
        if (entries.findAny().isPresent()) {
          throw new DataException(target + " is not empty and holds no " + DatasetManifest.FILE
              + ", so it is not a token dataset; it is left alone: choose an empty or new directory");
        }
      }
      return null;
    }
    try {
      DatasetManifest m = DatasetManifest.read(target);
      if (!m.fingerprint().equals(fingerprint)) {
        if (log) {
          LOG.info("rebuilding token dataset {}: the source, tokenizer or metadata template changed",
              target);
        }
        return null;
      }
      TokenDataset ds = MappedTokenDataset.open(target, true);
      LOG.info("reusing token dataset {}", ds);
      return ds;
    } catch (DataException e) {
      if (log) {
        LOG.warn("rebuilding token dataset {}: {}", target, e.getMessage());
      }
      return null;
    }
  }

  private static void write(Path target, String sourceName, String sourceFingerprint, String fingerprint,
      Supplier<? extends Stream<Document>> documents, Tokenizer tokenizer, ShardOptions options) throws IOException {
    Path staging = AtomicFiles.temporarySibling(target, "tmp");
    int width = ShardFormat.widthFor(tokenizer.vocabSize());
    String template = options.metadataTemplate();
    try {
      Files.createDirectory(staging);
      ShardBuilder.Totals totals;
      List<DatasetManifest.Shard> shards;
      try (ShardWriter writer = new ShardWriter(staging, width, HexFormat.of().parseHex(fingerprint),
              options.maxShardTokens(), template != null);
          Stream<Document> docs = documents.get()) {
        totals = ShardBuilder.run(sourceName, docs, tokenizer, options, width, writer);
        shards = writer.finish();
      } catch (DataException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new DataException("tokenizing " + sourceName + " into " + target + " failed, nothing was changed: " + e,
            e);
      }
      DatasetManifest manifest = new DatasetManifest(DatasetManifest.FORMAT, ShardFormat.VERSION, sourceName,
          fingerprint, sourceFingerprint, tokenizer.fingerprint(), template, ShardFormat.dtypeName(width),
          tokenizer.vocabSize(), totals.documents(), totals.tokens(), totals.prefixTokens(), shards, false);
      commit(target, staging, manifest);
      LOG.atInfo().setMessage(() -> String.format(Locale.ROOT, "wrote token dataset %s: %,d documents, %,d tokens (%s) "
          + "in %d shards; tokenized and written in %.1f s (%,.0f documents/s, %,.0f tokens/s)", target,
          totals.documents(), totals.tokens(), manifest.dtype(), shards.size(), totals.seconds(), totals.documents() / totals.seconds(),
          totals.tokens() / totals.seconds())).log();
    } finally {
      deleteQuietly(staging);
    }
  }

  /** Writes {@code manifest} into {@code staging}, fsyncs it and renames it to {@code target}. */
  static void commit(Path target, Path staging, DatasetManifest manifest) throws IOException {
    Path json = staging.resolve(DatasetManifest.FILE);
    manifest.write(json);
    AtomicFiles.fsync(json);
    AtomicFiles.fsyncDirectory(staging);
    AtomicFiles.replaceDirectory(target, staging);
  }

  /** Staging and moved-aside directories of builds of {@code target} that are running or crashed. */
  private static List<Path> leftovers(Path target) throws IOException {
    if (!Files.isDirectory(target.getParent())) {
      return List.of();
    }
    String name = "." + target.getFileName();
    try (Stream<Path> siblings = Files.list(target.getParent())) {
      return siblings.filter(p -> {
        String n = p.getFileName().toString();
        return (n.startsWith(name + ".tmp-") || n.startsWith(name + ".old-")) && Files.isDirectory(p);
      }).toList();
    }
  }

  /** Removes the {@link #leftovers} of crashed builds (none is running: the caller holds the lock). */
  private static void removeLeftovers(Path target) throws IOException {
    for (Path p : leftovers(target)) {
      LOG.info("removing {}, left behind by an interrupted token dataset build", p);
      deleteQuietly(p);
    }
  }

  static void deleteQuietly(Path dir) {
    try {
      AtomicFiles.deleteTree(dir);
    } catch (IOException e) {
      LOG.warn("could not remove {}: {}", dir, e.getMessage());
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
