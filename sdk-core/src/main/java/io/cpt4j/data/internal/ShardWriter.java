package io.cpt4j.data.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Appends tokenized documents, in order, to shard files in a (staging) directory, starting a new
 * shard when the next document would take the current one past {@code maxShardTokens} (a document
 * is never split; one longer than the limit gets a shard of its own). Each finished shard is
 * completed with its index, prefix section and header, fsynced, and hashed. Not thread-safe: one
 * writer thread.
 */
final class ShardWriter implements AutoCloseable {
  private static final int BUFFER_BYTES = 1 << 20;
  /** Keeps the in-memory index of a shard within an array. */
  private static final int MAX_DOCUMENTS_PER_SHARD = 1 << 30;

  private final Path dir;
  private final int width;
  private final byte[] fingerprint;
  private final long maxShardTokens;
  private final boolean prefixes;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private final List<DatasetManifest.Shard> shards = new ArrayList<>();

  private final int firstShard;
  private FileChannel channel;
  private long firstDocument;
  private long firstToken;
  private long shardTokens;
  private LongList index = new LongList();
  private IntList prefixTokens = new IntList();
  private LongList prefixIndex = new LongList();

  ShardWriter(Path dir, int width, byte[] fingerprint, long maxShardTokens, boolean prefixes) {
    this(dir, width, fingerprint, maxShardTokens, prefixes, 0, 0, 0);
  }

  /**
   * A writer for a slice of a dataset written in parts (one per Spark partition): its first shard
   * is numbered {@code firstShard} and starts at global document {@code firstDocument} and token
   * {@code firstToken}.
   */
  ShardWriter(Path dir, int width, byte[] fingerprint, long maxShardTokens, boolean prefixes, int firstShard,
      long firstDocument, long firstToken) {
    this.firstShard = firstShard;
    this.firstDocument = firstDocument;
    this.firstToken = firstToken;
    this.dir = dir;
    this.width = width;
    this.fingerprint = fingerprint.clone();
    this.maxShardTokens = maxShardTokens;
    this.prefixes = prefixes;
  }

  /** Appends one document's tokens and its metadata prefix (empty for none). */
  void add(int[] tokens, int[] prefix) throws IOException {
    if (channel != null && startsNewShard(index.size() - 1, shardTokens, tokens.length, maxShardTokens)) {
      finishShard();
    }
    if (channel == null) {
      startShard();
    }
    put(tokens);
    shardTokens += tokens.length;
    index.add(shardTokens);
    if (prefixes) {
      prefixTokens.addAll(prefix);
      prefixIndex.add(prefixTokens.size());
    }
  }

  /**
   * Whether a document of {@code length} tokens goes to a new shard rather than the current one,
   * which holds {@code documents} documents and {@code tokens} tokens.
   */
  static boolean startsNewShard(long documents, long tokens, int length, long maxShardTokens) {
    return documents > 0 && (tokens + length > maxShardTokens || documents >= MAX_DOCUMENTS_PER_SHARD);
  }

  /** Finishes the last shard and returns all shards in order. */
  List<DatasetManifest.Shard> finish() throws IOException {
    if (channel != null) {
      finishShard();
    }
    return List.copyOf(shards);
  }

  private void startShard() throws IOException {
    Path file = dir.resolve(ShardFormat.shardName(firstShard + shards.size()));
    channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
    channel.position(ShardFormat.HEADER_BYTES);
    shardTokens = 0;
    index = new LongList();
    index.add(0);
    prefixTokens = new IntList();
    prefixIndex = new LongList();
    prefixIndex.add(0);
  }

  private void put(int[] tokens) throws IOException {
    for (int t : tokens) {
      if (buffer.remaining() < 4) {
        drain();
      }
      if (width == 2) {
        buffer.putShort((short) t);
      } else {
        buffer.putInt(t);
      }
    }
  }

  private void pad() throws IOException {
    if (buffer.remaining() < 8) {
      drain();
    }
    long position = channel.position() + buffer.position();
    for (long p = position; p < ShardFormat.align8(position); p++) {
      buffer.put((byte) 0);
    }
  }

  private void putLongs(LongList values) throws IOException {
    for (int i = 0; i < values.size(); i++) {
      if (buffer.remaining() < 8) {
        drain();
      }
      buffer.putLong(values.get(i));
    }
  }

  private void drain() throws IOException {
    buffer.flip();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    buffer.clear();
  }

  private void finishShard() throws IOException {
    long documents = index.size() - 1;
    pad();
    putLongs(index);
    if (prefixes) {
      put(prefixTokens.toArray());
      pad();
      putLongs(prefixIndex);
    }
    drain();
    ShardFormat.Header header = new ShardFormat.Header(width, firstDocument, documents, shardTokens,
        prefixes ? prefixTokens.size() : 0, prefixes, fingerprint);
    long size = channel.position();
    if (size != header.fileSize()) {
      throw new IllegalStateException("wrote " + size + " bytes, layout says " + header.fileSize());
    }
    ByteBuffer h = header.encode();
    while (h.hasRemaining()) {
      channel.write(h, h.position());
    }
    channel.force(true);
    String sha256 = sha256(channel, size);
    channel.close();
    channel = null;
    shards.add(new DatasetManifest.Shard(ShardFormat.shardName(firstShard + shards.size()), firstDocument, documents, firstToken,
        shardTokens, header.prefixTokens(), size, sha256));
    firstDocument += documents;
    firstToken += shardTokens;
  }

  /** Hashes the file as written (from the page cache), so dataset.json can vouch for every byte. */
  private String sha256(FileChannel ch, long size) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    buffer.clear();
    for (long p = 0; p < size; ) {
      int n = ch.read(buffer, p);
      if (n < 0) {
        throw new IOException("shard ended at " + p + " of " + size + " bytes while hashing");
      }
      p += n;
      buffer.flip();
      digest.update(buffer);
      buffer.clear();
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  /** A growable list of longs. */
  static final class LongList {
    private long[] values = new long[1024];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    long get(int i) {
      return values[i];
    }

    int size() {
      return size;
    }
  }

  /** A growable list of ints. */
  static final class IntList {
    private int[] values = new int[1024];
    private int size;

    void addAll(int[] more) {
      if (size + more.length > values.length) {
        values = Arrays.copyOf(values, Math.max(values.length * 2, size + more.length));
      }
      System.arraycopy(more, 0, values, size, more.length);
      size += more.length;
    }

    int size() {
      return size;
    }

    int[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
