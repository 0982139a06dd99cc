package io.cpt4j.data;

/**
 * How {@link TokenDataset#prepare} tokenizes a source into shards. Immutable.
 *
 * @param threads tokenizer threads (default: available processors)
 * @param batchDocuments documents per tokenizer batch (default 256)
 * @param maxShardTokens tokens per shard file before a new one starts (default 2^28, 512 MiB of
 *     uint16)
 * @param metadataTemplate when non-null, each document with metadata also gets this template's
 *     rendering tokenized and stored as its metadata prefix (for metadata conditioning): {@code
 *     {key}} is replaced by the metadata value, and a document lacking a key used by the template
 *     gets no prefix. Default null (no prefixes). Example: {@code "URL: {url}\n\n"}
 */
public record ShardOptions(int threads, int batchDocuments, long maxShardTokens, String metadataTemplate) {
  public ShardOptions {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    if (batchDocuments < 1) {
      throw new IllegalArgumentException("batchDocuments must be >= 1, got " + batchDocuments);
    }
    if (maxShardTokens < 1) {
      throw new IllegalArgumentException("maxShardTokens must be >= 1, got " + maxShardTokens);
    }
  }

  public static ShardOptions defaults() {
    return new ShardOptions(Runtime.getRuntime().availableProcessors(), 256, 1L << 28, null);
  }

  public ShardOptions withThreads(int n) {
    return new ShardOptions(n, batchDocuments, maxShardTokens, metadataTemplate);
  }

  public ShardOptions withBatchDocuments(int n) {
    return new ShardOptions(threads, n, maxShardTokens, metadataTemplate);
  }

  public ShardOptions withMaxShardTokens(long n) {
    return new ShardOptions(threads, batchDocuments, n, metadataTemplate);
  }

  public ShardOptions withMetadataTemplate(String template) {
    return new ShardOptions(threads, batchDocuments, maxShardTokens, template);
  }
}
