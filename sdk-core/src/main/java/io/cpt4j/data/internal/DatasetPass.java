package io.cpt4j.data.internal;

import io.cpt4j.backend.Batch;
import io.cpt4j.data.Limits;
import io.cpt4j.data.Packing;
import io.cpt4j.data.TokenDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One dataset read once, front to back, by the training packer ({@link SourceStream} → {@link
 * RowTokens} → {@link BatchBuilder}), as the fixed batches of an evaluation set. Immutable and
 * thread-safe once read (the batches' arrays are never written afterwards).
 *
 * <p>A row is exactly what {@link BlendedSampler} packs for a single source with the same {@link
 * Packing}: the same framing ({@code [BOS] document EOS}), the same carried token between packed rows,
 * the same ignored targets (boundary crossings, the last position of a short row), document ids,
 * padding and unpacked truncation. What differs is how the source is read, because a validation set
 * must give the same tokens at every evaluation and a cap must keep its first rows:
 *
 * <ul>
 *   <li>documents in dataset order, not a seeded shuffle, and without metadata prefixes;
 *   <li>one pass that ends with the dataset: a packed stream's last row is short (its remaining
 *       positions are padding); a stream that ends exactly at a row's end adds no row of just the
 *       carried token;
 *   <li>a row without a single target (possible only with empty documents, or with rows of one
 *       position that cross a document boundary) is skipped: it adds nothing to a token-weighted
 *       mean, and a batch of such rows would have no weight at all;
 *   <li>reading stops after {@code maxRows} kept rows;
 *   <li>rows are grouped into batches of {@code rowsPerBatch}, the last one smaller, instead of
 *       padding rows that keep a training batch's shape.
 * </ul>
 */
public final class DatasetPass {
  private static final Limits ONE_PASS = Limits.builder().onExhausted(Limits.Exhaustion.STOP).build();

  private final List<Batch> batches;
  private final int rows;
  private final long documents;

  private DatasetPass(List<Batch> batches, int rows, long documents) {
    this.batches = List.copyOf(batches);
    this.rows = rows;
    this.documents = documents;
  }

  /**
   * Reads {@code dataset} into batches.
   *
   * @param dataset the tokenized source; read here and not kept
   * @param packing how rows are cut
   * @param rowsPerBatch rows per batch, at least 1
   * @param maxRows the most rows to keep, at least 1
   * @return the pass; without rows when the dataset has no token to predict (it has no documents,
   *     or only empty ones and no BOS framing)
   * @throws IllegalArgumentException if an argument is out of range, or the dataset has more
   *     documents than a stream can index ({@value Integer#MAX_VALUE})
   */
  public static DatasetPass read(TokenDataset dataset, Packing packing, int rowsPerBatch, int maxRows) {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(packing, "packing");
    if (rowsPerBatch < 1 || maxRows < 1) {
      throw new IllegalArgumentException("rows per batch and max rows must be >= 1, got " + rowsPerBatch + " and "
          + maxRows);
    }
    long count = dataset.documentCount();
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("the dataset of source '" + dataset.sourceName() + "' has " + count
          + " documents, more than one pass can index (" + Integer.MAX_VALUE + ")");
    }
    if (count == 0) {
      return new DatasetPass(List.of(), 0, 0);
    }
    SourceStream stream = new SourceStream(0, dataset.sourceName(), dataset, ONE_PASS,
        DocumentOrder.inDatasetOrder((int) count), packing);
    RowTokens row = new RowTokens(packing.sequenceLength());
    List<Batch> batches = new ArrayList<>();
    List<RowTokens> pending = new ArrayList<>();
    int rows = 0;
    SourceStream.Fill fill = SourceStream.Fill.ROW_DONE;
    while (rows < maxRows && fill == SourceStream.Fill.ROW_DONE) {
      row.clear();
      fill = stream.fill(row, false); // ROW_DONE or PASS_DONE: there is no budget
      if (!row.hasTarget()) {
        continue;
      }
      pending.add(row.copy());
      rows++;
      if (pending.size() == rowsPerBatch) {
        batches.add(batch(pending, packing));
      }
    }
    if (!pending.isEmpty()) {
      batches.add(batch(pending, packing));
    }
    return new DatasetPass(batches, rows, stream.documentsStarted);
  }

  /** The pending rows as one batch; clears them. */
  private static Batch batch(List<RowTokens> pending, Packing packing) {
    BatchBuilder builder = new BatchBuilder(pending.size(), packing);
    for (int r = 0; r < pending.size(); r++) {
      builder.put(r, pending.get(r));
    }
    pending.clear();
    return builder.build();
  }

  /** The batches, in order (unmodifiable). */
  public List<Batch> batches() {
    return batches;
  }

  /** Rows over all batches. */
  public int rows() {
    return rows;
  }

  /** Documents of the dataset at least partly read (the first ones, in dataset order). */
  public long documents() {
    return documents;
  }
}
