package io.cpt4j.data.internal;

import io.cpt4j.data.DataException;
import io.cpt4j.files.AtomicFiles;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Token shards written in parts by other processes, for engines that tokenize elsewhere (sdk-spark):
 * each part writes its own shard files with {@link Writer} into a shared staging directory, numbered
 * and offset from counts the driver computed beforehand with {@link Plan}; the driver then commits
 * the directory with one {@code dataset.json} through {@link #build}. The files are the ones {@link
 * ShardStore} writes (see docs/token-shards.md), so {@code TokenDataset.open} reads them unchanged.
 * Metadata prefixes are not supported here.
 */
public final class ShardFiles {
  private ShardFiles() {}

  /** One finished shard file and its place in the dataset (a {@code dataset.json} entry). */
  public record Entry(String file, long firstDocument, long documents, long firstToken, long tokens, long bytes,
      String sha256) implements Serializable {}

  /** What a tokenizer's shards are: its fingerprint and vocabulary size decide dtype and header. */
  public record TokenizerInfo(String fingerprint, int vocabSize) implements Serializable {}

  /** Bytes per token for a vocabulary of {@code vocabSize} ids: 2 (uint16) or 4 (uint32). */
  public static int width(int vocabSize) {
    return ShardFormat.widthFor(vocabSize);
  }

  /** The combined fingerprint (hex) stored in every header; no metadata template. */
  public static String fingerprint(String sourceFingerprint, String tokenizerFingerprint) {
    return ShardStore.fingerprint(sourceFingerprint, tokenizerFingerprint, null);
  }

  /** Counts the shards, documents and tokens a part will write, by {@link Writer}'s rule. Not thread-safe. */
  public static final class Plan implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long maxShardTokens;
    private int shards;
    private long documents;
    private long tokens;
    private long shardDocuments;
    private long shardTokens;

    public Plan(long maxShardTokens) {
      this.maxShardTokens = maxShardTokens;
    }

    public void add(int length) {
      if (shards == 0 || ShardWriter.startsNewShard(shardDocuments, shardTokens, length, maxShardTokens)) {
        shards++;
        shardDocuments = 0;
        shardTokens = 0;
      }
      shardDocuments++;
      shardTokens += length;
      documents++;
      tokens += length;
    }

    public int shards() {
      return shards;
    }

    public long documents() {
      return documents;
    }

    public long tokens() {
      return tokens;
    }
  }

  /** Writes one part's documents, in order, as shards {@code firstShard, firstShard + 1, ...}. Not thread-safe. */
  public static final class Writer implements AutoCloseable {
    private final ShardWriter writer;

    public Writer(Path staging, TokenizerInfo tokenizer, String fingerprint, long maxShardTokens, int firstShard,
        long firstDocument, long firstToken) {
      this.writer = new ShardWriter(staging, width(tokenizer.vocabSize()), HexFormat.of().parseHex(fingerprint),
          maxShardTokens, false, firstShard, firstDocument, firstToken);
    }

    public void add(int[] tokens) throws IOException {
      writer.add(tokens, new int[0]);
    }

    /** Finishes the last shard; the part's shards in order. */
    public List<Entry> finish() throws IOException {
      List<Entry> entries = new ArrayList<>();
      for (DatasetManifest.Shard s : writer.finish()) {
        entries.add(new Entry(s.file(), s.firstDocument(), s.documents(), s.firstToken(), s.tokens(), s.bytes(),
            s.sha256()));
      }
      return entries;
    }

    @Override
    public void close() throws IOException {
      writer.close();
    }
  }

  /** Writes the shard files of a dataset into {@code staging} and returns them in order. */
  public interface Parts {
    List<Entry> write(Path staging) throws IOException;
  }

  /**
   * Builds dataset directory {@code directory} atomically, as {@link ShardStore} does: holding its
   * lock, removes what crashed builds left, lets {@code parts} write into a fresh hidden staging
   * sibling (which must be visible to whoever writes the parts), writes {@code dataset.json},
   * fsyncs and renames the staging directory into place. A failure or a kill leaves the previous
   * dataset (or nothing) under {@code directory}. With {@code ordered}, {@code dataset.json} says
   * {@code "ordered": true}: samplers read the documents in the order the parts wrote them.
   *
   * @throws DataException if writing fails or the entries do not tile the documents
   */
  public static void build(Path directory, String sourceName, String sourceFingerprint, TokenizerInfo tokenizer,
      boolean ordered, Parts parts) {
    Path target = directory.toAbsolutePath().normalize();
    String fingerprint = fingerprint(sourceFingerprint, tokenizer.fingerprint());
    ShardStore.locked(target, () -> {
      Path staging = AtomicFiles.temporarySibling(target, "tmp");
      try {
        Files.createDirectory(staging);
        List<DatasetManifest.Shard> shards = new ArrayList<>();
        long documents = 0;
        long tokens = 0;
        for (Entry e : parts.write(staging)) {
          if (e.firstDocument() != documents || e.firstToken() != tokens) {
            throw new DataException("shard " + e.file() + " of " + target + " starts at document "
                + e.firstDocument() + ", token " + e.firstToken() + " but the shards before it end at document "
                + documents + ", token " + tokens);
          }
          shards.add(new DatasetManifest.Shard(e.file(), e.firstDocument(), e.documents(), e.firstToken(), e.tokens(),
              0, e.bytes(), e.sha256()));
          documents += e.documents();
          tokens += e.tokens();
        }
        DatasetManifest manifest = new DatasetManifest(DatasetManifest.FORMAT, ShardFormat.VERSION, sourceName,
            fingerprint, sourceFingerprint, tokenizer.fingerprint(), null,
            ShardFormat.dtypeName(width(tokenizer.vocabSize())), tokenizer.vocabSize(), documents, tokens, 0, shards,
            ordered);
        ShardStore.commit(target, staging, manifest);
        return null;
      } finally {
        ShardStore.deleteQuietly(staging);
      }
    });
  }
}
