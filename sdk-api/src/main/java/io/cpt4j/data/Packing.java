package io.cpt4j.data;

/**
 * How documents become fixed-length rows of a {@link io.cpt4j.backend.Batch}. Immutable.
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
 * @param sequenceLength positions per row, at least 1
 * @param packed whether documents are packed
 * @param eosId the end-of-document token appended to every document
 * @param padId the padding token of unpacked rows (never a target)
 * @param bosId the token put before every document, or -1 for none
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

  /** Packing without a BOS before documents. */
  public Packing(int sequenceLength, boolean packed, int eosId, int padId) {
    this(sequenceLength, packed, eosId, padId, -1);
  }

  /** The same packing with {@code bosId} before every document (-1: none). */
  public Packing withBos(int bosId) {
    return new Packing(sequenceLength, packed, eosId, padId, bosId);
  }

  /** Whether documents begin with a BOS token. */
  public boolean framesWithBos() {
    return bosId >= 0;
  }

  /** Packed rows of {@code sequenceLength} positions with {@code eosId} between documents. */
  public static Packing packed(int sequenceLength, int eosId) {
    return new Packing(sequenceLength, true, eosId, eosId);
  }

  /** One document per row, padded with {@code padId}. */
  public static Packing unpacked(int sequenceLength, int eosId, int padId) {
    return new Packing(sequenceLength, false, eosId, padId);
  }
}
