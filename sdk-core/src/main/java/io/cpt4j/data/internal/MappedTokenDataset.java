package io.cpt4j.data.internal;

import static io.cpt4j.data.internal.ShardFormat.I64;
import static io.cpt4j.data.internal.ShardFormat.U16;
import static io.cpt4j.data.internal.ShardFormat.U32;
import static io.cpt4j.data.internal.ShardFormat.corrupt;

import io.cpt4j.data.DataException;
import io.cpt4j.data.TokenDataset;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * A token dataset directory with every shard memory-mapped read-only in one shared arena. Opening
 * checks {@code dataset.json}, each shard's length, header (magic, version, checksum, counts,
 * fingerprint) and both document indexes; token bytes themselves are vouched for only by the
 * SHA-256 in {@code dataset.json} ({@link ShardStore#verify}). Reads are thread-safe; {@link
 * #close()} unmaps, after which reads throw {@link IllegalStateException}.
 */
final class MappedTokenDataset implements TokenDataset {
  private record MappedShard(long firstDocument, int width, MemorySegment tokens, MemorySegment index,
      MemorySegment prefixTokens, MemorySegment prefixIndex) {}

  private final Path directory;
  private final DatasetManifest manifest;
  private final boolean reused;
  private final Arena arena;
  private final MappedShard[] shards;
  private final long[] firstDocuments;
  private volatile boolean closed;

  private MappedTokenDataset(Path directory, DatasetManifest manifest, boolean reused, Arena arena,
      MappedShard[] shards) {
    this.directory = directory;
    this.manifest = manifest;
    this.reused = reused;
    this.arena = arena;
    this.shards = shards;
    this.firstDocuments = Arrays.stream(shards).mapToLong(MappedShard::firstDocument).toArray();
  }

  /**
   * Opens and checks {@code dir}.
   *
   * @throws DataException naming the file when anything is missing, truncated or inconsistent
   */
  static MappedTokenDataset open(Path dir, boolean reused) {
    DatasetManifest m = DatasetManifest.read(dir);
    byte[] fingerprint;
    try {
      fingerprint = HexFormat.of().parseHex(m.fingerprint());
    } catch (IllegalArgumentException e) {
      fingerprint = new byte[0];
    }
    if (fingerprint.length != ShardFormat.FINGERPRINT_BYTES) {
      throw new DataException("token dataset " + dir.resolve(DatasetManifest.FILE) + " has an invalid fingerprint");
    }
    Arena arena = Arena.ofShared();
    try {
      MappedShard[] shards = new MappedShard[m.shards().size()];
      for (int s = 0; s < shards.length; s++) {
        shards[s] = map(dir, m, m.shards().get(s), fingerprint, arena);
      }
      return new MappedTokenDataset(dir, m, reused, arena, shards);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  private static MappedShard map(Path dir, DatasetManifest m, DatasetManifest.Shard s, byte[] fingerprint,
      Arena arena) {
    Path file = dir.resolve(s.file());
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size != s.bytes()) {
        throw corrupt(file,
            "is " + size + " bytes long but dataset.json says " + s.bytes() + " (truncated or replaced)");
      }
      if (size < ShardFormat.HEADER_BYTES) {
        throw corrupt(file, "is truncated: " + size + " bytes cannot hold the " + ShardFormat.HEADER_BYTES
            + "-byte header");
      }
      ByteBuffer b = ByteBuffer.allocate(ShardFormat.HEADER_BYTES);
      while (b.hasRemaining() && ch.read(b, b.position()) >= 0) {
        // read the header fully
      }
      ShardFormat.Header h = ShardFormat.Header.decode(file, b.flip());
      if (h.width() != m.width() || h.firstDocument() != s.firstDocument() || h.documents() != s.documents()
          || h.tokens() != s.tokens() || h.prefixTokens() != s.prefixTokens()
          || h.prefixes() != (m.metadataTemplate() != null)) {
        throw corrupt(file, "header (" + ShardFormat.dtypeName(h.width()) + ", documents " + h.firstDocument() + "+"
            + h.documents() + ", " + h.tokens() + " tokens, " + h.prefixTokens() + " prefix tokens) disagrees with "
            + "dataset.json");
      }
      if (!Arrays.equals(h.fingerprint(), fingerprint)) {
        throw corrupt(file, "belongs to another dataset: its fingerprint differs from dataset.json's");
      }
      long expected;
      try {
        expected = h.fileSize();
      } catch (ArithmeticException e) {
        throw corrupt(file, "header counts overflow");
      }
      if (expected != size) {
        throw corrupt(file, "is " + size + " bytes long but its header describes " + expected + " bytes");
      }
      MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena).asReadOnly();
      long indexBytes = (h.documents() + 1) * 8;
      MemorySegment tokens = all.asSlice(h.tokensOffset(), h.tokens() * h.width());
      MemorySegment index = all.asSlice(h.indexOffset(), indexBytes);
      checkIndex(file, "document index", index, h.documents(), h.tokens());
      MemorySegment prefixTokens = null;
      MemorySegment prefixIndex = null;
      if (h.prefixes()) {
        prefixTokens = all.asSlice(h.prefixTokensOffset(), h.prefixTokens() * h.width());
        prefixIndex = all.asSlice(h.prefixIndexOffset(), indexBytes);
        checkIndex(file, "prefix index", prefixIndex, h.documents(), h.prefixTokens());
      }
      return new MappedShard(s.firstDocument(), h.width(), tokens, index, prefixTokens, prefixIndex);
    } catch (NoSuchFileException e) {
      throw new DataException("token dataset " + dir + " lacks its shard file " + s.file());
    } catch (IOException e) {
      throw new DataException("token shard " + file + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** Offsets start at 0, never decrease, end at {@code total} and no document exceeds an int. */
  private static void checkIndex(Path file, String what, MemorySegment index, long documents, long total) {
    long previous = index.get(I64, 0);
    if (previous != 0) {
      throw corrupt(file, what + " starts at " + previous + ", not 0");
    }
    for (long d = 1; d <= documents; d++) {
      long offset = index.get(I64, d * 8);
      if (offset < previous || offset - previous > Integer.MAX_VALUE || offset > total) {
        throw corrupt(file, what + " entry " + d + " (" + offset + ") is out of order or out of range");
      }
      previous = offset;
    }
    if (previous != total) {
      throw corrupt(file, what + " ends at " + previous + " but the shard holds " + total);
    }
  }

  @Override
  public Path directory() {
    return directory;
  }

  @Override
  public String sourceName() {
    return manifest.source();
  }

  @Override
  public long documentCount() {
    return manifest.documents();
  }

  @Override
  public long tokenCount() {
    return manifest.tokens();
  }

  @Override
  public int documentLength(long i) {
    MappedShard s = shard(i);
    long local = (i - s.firstDocument()) * 8;
    return (int) (s.index().get(I64, local + 8) - s.index().get(I64, local));
  }

  @Override
  public void read(long i, int from, int[] dst, int offset, int length) {
    MappedShard s = shard(i);
    long local = (i - s.firstDocument()) * 8;
    long start = s.index().get(I64, local);
    copy(s, s.tokens(), start, s.index().get(I64, local + 8) - start, from, dst, offset, length);
  }

  @Override
  public int[] metadataPrefix(long i) {
    MappedShard s = shard(i);
    if (s.prefixIndex() == null) {
      return new int[0];
    }
    long local = (i - s.firstDocument()) * 8;
    long start = s.prefixIndex().get(I64, local);
    int[] out = new int[(int) (s.prefixIndex().get(I64, local + 8) - start)];
    copy(s, s.prefixTokens(), start, out.length, 0, out, 0, out.length);
    return out;
  }

  private static void copy(MappedShard s, MemorySegment tokens, long start, long documentLength, int from, int[] dst,
      int offset, int length) {
    Objects.checkFromIndexSize(from, length, documentLength);
    Objects.checkFromIndexSize(offset, length, dst.length);
    long first = start + from;
    if (s.width() == 4) {
      MemorySegment.copy(tokens, U32, first * 4, dst, offset, length);
    } else {
      for (int k = 0; k < length; k++) {
        dst[offset + k] = Short.toUnsignedInt(tokens.get(U16, (first + k) * 2));
      }
    }
  }

  private MappedShard shard(long i) {
    if (closed) {
      throw new IllegalStateException("token dataset " + directory + " is closed");
    }
    Objects.checkIndex(i, manifest.documents());
    int at = Arrays.binarySearch(firstDocuments, i);
    return shards[at >= 0 ? at : -at - 2];
  }

  @Override
  public String fingerprint() {
    return manifest.fingerprint();
  }

  @Override
  public boolean ordered() {
    return manifest.ordered();
  }

  @Override
  public boolean reused() {
    return reused;
  }

  /** What {@code dataset.json} says. */
  DatasetManifest manifest() {
    return manifest;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (arena.scope().isAlive()) {
      arena.close();
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "TokenDataset[%s: %s, %,d documents, %,d tokens, %s, %d shards]",
        manifest.source(), directory, manifest.documents(), manifest.tokens(), manifest.dtype(), shards.length);
  }
}
