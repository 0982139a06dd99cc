package io.cpt4j.data;

/**
 * How documents become fixed-length rows of a {@link io.cpt4j.backend.Batch}. Immutable and
 * thread-safe; built with {@link #builder()} (or the {@link #packed(int, int)} and {@link
 * #unpacked(int, int, int)} shortcuts), modified copies through {@link #newBuilder()}.
 *
 * <p>In both modes a row is at most {@code sequenceLength + 1} tokens: position {@code t} has input
 * token {@code t} and target token {@code t + 1}; every real target has loss weight 1, every ignored
 * one ({@link io.cpt4j.backend.Batch#IGNORE}) weight 0.
 *
 * <p><b>Packed</b> (the default of pre-training): a source's documents, each followed by {@code
 * eosId}, form one token stream that is cut into rows of {@code sequenceLength + 1} tokens (inputs
 * are the first {@code sequenceLength}, targets the last); the next row starts with the last token
 * of the previous one, so every token is a target once. Each position carries its document's id, so
 * the model restarts positions and masks attention at document boundaries; the target of the
 * position where one document ends and the next begins (predicting the next document's first token
 * from the previous document's EOS) is ignored, as it crosses the boundary. Document ids start at 0
 * in each row. When a source is exhausted (STOP or DROP) in the middle of a row, the rest of that
 * row is padding ({@code padId}, targets ignored, a document id of its own).
 *
 * <p><b>Unpacked</b>: one document per row, its first {@code sequenceLength + 1} tokens (the rest is
 * dropped and counted), EOS appended when it fits, padded with {@code padId} whose targets are
 * ignored. For comparisons of padding waste.
 *
 * <p><b>Framing</b>: with a {@code bosId} (≥ 0; -1 for none) every document is framed as the model
 * was pretrained, {@code BOS [metadata prefix] document EOS}: the BOS begins the document (its own
 * target, predicted across the boundary, is ignored) and the document's first token is learned from
 * it. Models whose tokenizer adds BOS (Llama 2/3, Mistral) want it; {@code
 * Tokenizer#specialPrefix()} says which.
 *
 * @param sequenceLength positions per row, at least 1 (no default)
 * @param packed whether documents are packed (default true)
 * @param eosId the end-of-document token appended to every document (no default)
 * @param padId the padding token (never a target; default the EOS id)
 * @param bosId the token put before every document, or -1 for none (the default)
 */
public record Packing(int sequenceLength, boolean packed, int eosId, int padId, int bosId) {
  public Packing {
    if (sequenceLength < 1) {
      throw new IllegalArgumentException("sequence length must be >= 1, got " + sequenceLength);
    }
    if (eosId < 0 || padId < 0) {
      throw new IllegalArgumentException("token ids must be >= 0, got eos " + eosId + ", pad " + padId);
    }
    if (bosId < -1) {
      throw new IllegalArgumentException("bos id must be >= 0, or -1 for none, got " + bosId);
    }
  }

  /** Whether documents begin with a BOS token. */
  public boolean framesWithBos() {
    return bosId >= 0;
  }

  /**
   * Packed rows of {@code sequenceLength} positions with {@code eosId} between documents (and as the
   * padding of a row a source leaves unfinished), no BOS: {@code
   * builder().sequenceLength(sequenceLength).eosId(eosId).build()}.
   */
  public static Packing packed(int sequenceLength, int eosId) {
    return builder().sequenceLength(sequenceLength).eosId(eosId).build();
  }

  /**
   * One document per row, padded with {@code padId}, no BOS: {@code
   * builder().sequenceLength(sequenceLength).packed(false).eosId(eosId).padId(padId).build()}.
   */
  public static Packing unpacked(int sequenceLength, int eosId, int padId) {
    return builder().sequenceLength(sequenceLength).packed(false).eosId(eosId).padId(padId).build();
  }

  /**
   * A builder holding the defaults: packed, padding with the EOS id, no BOS; the sequence length and
   * the EOS id have none and must be set.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding this packing (every component, the padding id included), for a modified copy,
   * e.g. {@code packing.newBuilder().bosId(bos).build()}; this value is unchanged.
   */
  public Builder newBuilder() {
    return new Builder().sequenceLength(sequenceLength).packed(packed).eosId(eosId).padId(padId).bosId(bosId);
  }

  /**
   * Collects a {@link Packing}; the one place its defaults live: {@code packed} true, {@code padId}
   * the EOS id unless set, {@code bosId} -1 (none). {@code sequenceLength} and {@code eosId} have no
   * default. {@link #build()} checks them. Not thread-safe.
   */
  public static final class Builder {
    private int sequenceLength;
    private boolean packed = true;
    private Integer eosId;
    private Integer padId;
    private int bosId = -1;

    private Builder() {}

    /** Positions per row, at least 1; required. */
    public Builder sequenceLength(int positions) { this.sequenceLength = positions; return this; }

    /** Whether documents are packed (the default) or one per row. */
    public Builder packed(boolean pack) { this.packed = pack; return this; }

    /** The end-of-document token appended to every document; required. */
    public Builder eosId(int token) { this.eosId = token; return this; }

    /** The padding token, never a target (default: the EOS id). */
    public Builder padId(int token) { this.padId = token; return this; }

    /** The token put before every document, or -1 for none (the default). */
    public Builder bosId(int token) { this.bosId = token; return this; }

    /**
     * The packing.
     *
     * @throws IllegalStateException if the EOS id was not set
     * @throws IllegalArgumentException if the sequence length is not set or below 1, or a token id
     *     is out of range
     */
    public Packing build() {
      if (eosId == null) {
        throw new IllegalStateException("eosId is not set: every document ends with it");
      }
      return new Packing(sequenceLength, packed, eosId, padId == null ? eosId : padId, bosId);
    }
  }
}
