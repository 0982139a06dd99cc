package io.cpt4j.eval.internal;

import io.cpt4j.backend.Batch;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.data.Packing;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.data.internal.DatasetPass;
import io.cpt4j.eval.EvalPoint;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One named validation set as a fixed list of batches, built once from a {@link TokenDataset} and
 * evaluated unchanged at every evaluation of a run: the same tokens every time. Immutable and
 * thread-safe (the batches' arrays are never written after construction); {@link #loss} uses the
 * session, which is not.
 *
 * <p>The rows come from the packer that training uses, read once in dataset order ({@link
 * DatasetPass}): documents without shuffling, sampling or metadata prefixes, framed, packed or
 * unpacked exactly as {@link Packing} describes; the last packed row is short and padded; a row
 * without a single target (possible only with empty documents or one-position rows) is left out.
 * Rows are read until the dataset ends or the row cap is reached: {@code maxTokens /
 * sequenceLength} rows (input positions, rounded down to whole rows, at least one row), so a cap
 * keeps the first rows of the uncapped set. Rows are grouped into batches of {@code rowsPerBatch}
 * rows; the last batch may have fewer. Every kept target has weight 1.
 *
 * <p>{@link #loss} is the token-weighted mean next-token NLL over all batches, {@code Σ loss(b) ·
 * w(b) / Σ w(b)} with {@code w(b)} the batch's {@link Batch#totalWeight()}: the mean over every
 * validation target token, independent of how rows are grouped into batches.
 */
public final class Validator {
  private final String name;
  private final Packing packing;
  private final List<Batch> batches;
  private final double[] batchWeights;
  private final long targetTokens;
  private final int rows;
  private final long documents;

  private Validator(String name, Packing packing, List<Batch> batches, int rows, long documents) {
    this.name = name;
    this.packing = packing;
    this.batches = List.copyOf(batches);
    this.batchWeights = batches.stream().mapToDouble(Batch::totalWeight).toArray();
    this.targetTokens = (long) Arrays.stream(batchWeights).sum();
    this.rows = rows;
    this.documents = documents;
  }

  /**
   * The fixed validation batches of {@code dataset}.
   *
   * @param name the validation set's name, not blank
   * @param dataset the tokenized validation source; read here and not kept
   * @param packing how rows are cut (normally the run's packing)
   * @param rowsPerBatch rows per batch, at least 1
   * @param maxTokens the cap in input positions (see above), at least 1; {@link Long#MAX_VALUE}
   *     for the whole dataset
   * @throws IllegalArgumentException if an argument is out of range, or the dataset yields no
   *     target token (it is empty, or holds only empty documents)
   */
  public static Validator build(String name, TokenDataset dataset, Packing packing, int rowsPerBatch, long maxTokens) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a validation set needs a name that is not blank");
    }
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(packing, "packing");
    if (rowsPerBatch < 1) {
      throw new IllegalArgumentException("validation set '" + name + "': rows per batch must be >= 1, got " + rowsPerBatch);
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("validation set '" + name + "': max tokens must be >= 1, got " + maxTokens);
    }
    long cap = Math.max(1, maxTokens / packing.sequenceLength());
    DatasetPass pass = DatasetPass.read(dataset, packing, rowsPerBatch, (int) Math.min(cap, Integer.MAX_VALUE));
    if (pass.rows() == 0) {
      throw new IllegalArgumentException("validation set '" + name + "' (source '" + dataset.sourceName() + "', "
          + dataset.documentCount() + " documents, " + dataset.tokenCount()
          + " tokens) has no token to predict: it needs a document with at least one token");
    }
    return new Validator(name, packing, pass.batches(), pass.rows(), pass.documents());
  }

  /** The validation set's name. */
  public String name() {
    return name;
  }

  /** The packing the rows were cut with. */
  public Packing packing() {
    return packing;
  }

  /** The fixed batches, in order (unmodifiable; the same list every call). */
  public List<Batch> batches() {
    return batches;
  }

  /** Rows over all batches. */
  public int rows() {
    return rows;
  }

  /** Target tokens (positions with weight 1) over all batches: the count the loss averages over. */
  public long targetTokens() {
    return targetTokens;
  }

  /** Documents of the dataset at least partly in the batches (the first ones, in dataset order). */
  public long documents() {
    return documents;
  }

  /**
   * The token-weighted mean next-token NLL of {@code session}'s model over every batch, in nats.
   * Updates nothing. NaN or infinite if the model produces such losses.
   */
  public double loss(TrainingSession session) {
    double sum = 0;
    for (int b = 0; b < batches.size(); b++) {
      sum += session.loss(batches.get(b)) * batchWeights[b];
    }
    return sum / targetTokens;
  }

  /**
   * {@link #loss} as the evaluation at {@code step}, after {@code tokens} training tokens.
   *
   * @throws IllegalArgumentException if the loss is NaN, infinite or negative (see {@link EvalPoint})
   */
  public EvalPoint evaluate(TrainingSession session, long step, long tokens) {
    return new EvalPoint(step, tokens, loss(session));
  }

  /** E.g. {@code "general: 12 rows of 1024 in 2 batches, 12,280 target tokens from 31 documents"}. */
  public String describe() {
    return String.format(Locale.ROOT, "%s: %d rows of %d in %d batches, %,d target tokens from %,d documents",
        name, rows, packing.sequenceLength(), batches.size(), targetTokens, documents);
  }

  @Override
  public String toString() {
    return "Validator[" + describe() + "]";
  }
}
