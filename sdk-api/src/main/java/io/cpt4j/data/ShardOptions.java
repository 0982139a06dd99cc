package io.cpt4j.data;

/**
 * How {@link TokenDataset#prepare} tokenizes a source into shards. Immutable and thread-safe; built
 * with {@link #builder()} (or {@link #defaults()}), modified copies through {@link #newBuilder()}.
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

  /** Threads: the available processors; 256 documents per batch; 2^28 tokens per shard; no template. */
  public static ShardOptions defaults() {
    return builder().build();
  }

  /** A builder holding the defaults (see {@link #defaults()}). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these options, for a modified copy; this value is unchanged. */
  public Builder newBuilder() {
    return new Builder().threads(threads).batchDocuments(batchDocuments).maxShardTokens(maxShardTokens)
        .metadataTemplate(metadataTemplate);
  }

  /**
   * Collects {@link ShardOptions}; the one place their defaults live (see the record's components;
   * the thread count is read when the builder is made). {@link #build()} checks them. Not
   * thread-safe.
   */
  public static final class Builder {
    private int threads = Runtime.getRuntime().availableProcessors();
    private int batchDocuments = 256;
    private long maxShardTokens = 1L << 28;
    private String metadataTemplate;

    private Builder() {}

    public Builder threads(int n) { this.threads = n; return this; }
    public Builder batchDocuments(int n) { this.batchDocuments = n; return this; }
    public Builder maxShardTokens(long n) { this.maxShardTokens = n; return this; }

    /** The metadata-prefix template, or null for none (the default). */
    public Builder metadataTemplate(String template) { this.metadataTemplate = template; return this; }

    /**
     * The options.
     *
     * @throws IllegalArgumentException naming the first option out of range
     */
    public ShardOptions build() {
      return new ShardOptions(threads, batchDocuments, maxShardTokens, metadataTemplate);
    }
  }
}
