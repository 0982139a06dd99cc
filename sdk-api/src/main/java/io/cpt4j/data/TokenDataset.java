package io.cpt4j.data;

import io.cpt4j.spi.Providers;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Path;

/**
 * A tokenized source on disk: token shards (uint16 when the vocabulary fits in 65,536 ids, else
 * uint32) plus a document index, memory-mapped for reading. Documents keep the source's order;
 * document {@code i} is the {@code i}-th of {@link Source#documents()}.
 *
 * <p>{@link #prepare} tokenizes once and reuses the directory while the source's {@link
 * Source#fingerprint() fingerprint}, the tokenizer's {@link Tokenizer#fingerprint() fingerprint}
 * and the metadata template are unchanged (they are hashed into the shard header); otherwise it
 * rebuilds. Shards are written under a temporary name and renamed, so a crash never leaves a
 * half-written dataset under the final name.
 *
 * <p>Reading is thread-safe; {@link #close()} unmaps the shards (reads after it fail).
 */
public interface TokenDataset extends AutoCloseable {
  /** Tokenizes {@code source} into {@code directory}, or reuses what is there if it is current. */
  static TokenDataset prepare(Source source, Tokenizer tokenizer, Path directory, ShardOptions options) {
    return Providers.data().prepare(source, tokenizer, directory, options);
  }

  /** {@link #prepare(Source, Tokenizer, Path, ShardOptions)} with {@link ShardOptions#defaults()}. */
  static TokenDataset prepare(Source source, Tokenizer tokenizer, Path directory) {
    return prepare(source, tokenizer, directory, ShardOptions.defaults());
  }

  /** Opens an existing dataset directory without checking it against any source. */
  static TokenDataset open(Path directory) {
    return Providers.data().openDataset(directory);
  }

  Path directory();

  /** The name of the source it was built from. */
  String sourceName();

  long documentCount();

  /** Tokens of all documents (metadata prefixes not included). */
  long tokenCount();

  /** Tokens of document {@code i}. */
  int documentLength(long i);

  /** Copies tokens {@code [from, from + length)} of document {@code i} into {@code dst[offset...]}. */
  void read(long i, int from, int[] dst, int offset, int length);

  /** All tokens of document {@code i}. */
  default int[] document(long i) {
    int[] out = new int[documentLength(i)];
    read(i, 0, out, 0, out.length);
    return out;
  }

  /** The tokenized metadata prefix of document {@code i}, empty when it has none. */
  int[] metadataPrefix(long i);

  /**
   * True when the documents' stored order is meant to be kept ({@code "ordered": true} in {@code
   * dataset.json}, written e.g. by sdk-spark's In-Context Pretraining stage): {@link MixtureSampler}
   * then reads them in that order every pass instead of a seeded shuffle. False for datasets that do
   * not say so, which is every dataset {@link #prepare} writes. Default: false.
   */
  default boolean ordered() {
    return false;
  }

  /** The combined fingerprint (source, tokenizer, template) stored in the shard header. */
  String fingerprint();

  /** True when {@link #prepare} found the shards current and did not tokenize. */
  boolean reused();

  @Override
  void close();
}
