package io.cpt4j.eval.internal;

import io.cpt4j.backend.Batch;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.data.Packing;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.eval.EvalPoint;
import java.util.ArrayList;
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
 * <p>Rows are cut from the dataset's documents in dataset order, without shuffling, sampling or
 * metadata prefixes, exactly as {@link Packing} describes for one source read once:
 *
 * <ul>
 *   <li><b>packed</b>: the documents, each followed by {@code eosId}, form one stream cut into rows
 *       of {@code sequenceLength + 1} tokens, each row after the first starting with the last token
 *       of the one before. Position {@code t} of a row has input token {@code t} and target token
 *       {@code t + 1}; the target is {@link Batch#IGNORE} (weight 0) where token {@code t + 1}
 *       begins a document (the boundary crossing) or where nothing follows. Document ids start at 0
 *       in every row and step where a document begins. The stream's end leaves the last row short:
 *       its remaining positions are padding ({@code padId}, target ignored, a document id of its
 *       own).
 *   <li><b>unpacked</b>: one row per document, its first {@code sequenceLength + 1} tokens with EOS
 *       appended when it fits, padded with {@code padId}; one document id per row.
 * </ul>
 *
 * Every kept target has weight 1. A row without a single target (possible only with empty
 * documents) is left out. Rows are read until the dataset ends or the row cap is reached: {@code
 * maxTokens / sequenceLength} rows (input positions, rounded down to whole rows, at least one row),
 * so a cap keeps the first rows of the uncapped set. Rows are grouped into batches of {@code
 * rowsPerBatch} rows; the last batch may have fewer.
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
    int maxRows = (int) Math.min(cap, Integer.MAX_VALUE);
    Rows out = new Rows(packing, rowsPerBatch);
    long documents = packing.packed() ? packed(dataset, packing, maxRows, out) : unpacked(dataset, packing, maxRows, out);
    out.flush();
    if (out.rows == 0) {
      throw new IllegalArgumentException("validation set '" + name + "' (source '" + dataset.sourceName() + "', "
          + dataset.documentCount() + " documents, " + dataset.tokenCount()
          + " tokens) has no token to predict: it needs a document with at least one token");
    }
    return new Validator(name, packing, out.batches, out.rows, documents);
  }

  /** Packed rows; returns the number of documents at least partly read. */
  private static long packed(TokenDataset dataset, Packing packing, int maxRows, Rows out) {
    int width = packing.sequenceLength() + 1;
    int[] tokens = new int[width];
    boolean[] first = new boolean[width];
    long doc = -1;
    int docLength = 0;
    int pos = 0; // tokens of the current document's stream ([BOS], document, EOS) already placed
    int lead = packing.framesWithBos() ? 1 : 0;
    int m = 0;
    while (out.rows < maxRows) {
      int carried = m;
      while (m < width) {
        if (doc < 0 || pos > lead + docLength) { // before the first document, or past the current one's EOS
          if (doc + 1 >= dataset.documentCount()) {
            break;
          }
          doc++;
          docLength = dataset.documentLength(doc);
          pos = 0;
        }
        first[m] = pos == 0;
        if (pos < lead) {
          tokens[m++] = packing.bosId();
          pos++;
        } else if (pos < lead + docLength) {
          int n = Math.min(lead + docLength - pos, width - m);
          dataset.read(doc, pos - lead, tokens, m, n);
          Arrays.fill(first, m + (pos == 0 ? 1 : 0), m + n, false);
          pos += n;
          m += n;
        } else {
          tokens[m++] = packing.eosId();
          pos++;
        }
      }
      if (m == carried) { // the stream ended exactly at the previous row's end
        break;
      }
      out.add(tokens, first, m);
      if (m < width) { // the stream ended in this row
        break;
      }
      tokens[0] = tokens[width - 1];
      first[0] = false;
      m = 1;
    }
    return doc + 1;
  }

  /** One row per document; returns the number of documents read. */
  private static long unpacked(TokenDataset dataset, Packing packing, int maxRows, Rows out) {
    int width = packing.sequenceLength() + 1;
    int[] tokens = new int[width];
    boolean[] first = new boolean[width];
    first[0] = true;
    long doc = 0;
    int lead = packing.framesWithBos() ? 1 : 0;
    if (lead == 1) {
      tokens[0] = packing.bosId();
    }
    for (; doc < dataset.documentCount() && out.rows < maxRows; doc++) {
      int n = Math.min(dataset.documentLength(doc), width - lead);
      dataset.read(doc, 0, tokens, lead, n);
      int m = lead + n;
      if (m < width) {
        tokens[m++] = packing.eosId();
      }
      out.add(tokens, first, m);
    }
    return doc;
  }

  /** Collects rows into batches. */
  private static final class Rows {
    final Packing packing;
    final int length;
    final int perBatch;
    final List<Batch> batches = new ArrayList<>();
    final List<int[][]> pending = new ArrayList<>();
    int rows;

    Rows(Packing packing, int perBatch) {
      this.packing = packing;
      this.length = packing.sequenceLength();
      this.perBatch = perBatch;
    }

    /** Row of {@code m} tokens ({@code first[t]}: token t begins a document); dropped without targets. */
    void add(int[] tokens, boolean[] first, int m) {
      int[] in = new int[length];
      int[] tg = new int[length];
      int[] ids = new int[length];
      int id = 0;
      boolean anyTarget = false;
      for (int t = 0; t < length; t++) {
        if (t < m) {
          if (packing.packed() && t > 0 && first[t]) {
            id++;
          }
          in[t] = tokens[t];
          ids[t] = id;
          boolean target = t + 1 < m && !first[t + 1];
          tg[t] = target ? tokens[t + 1] : Batch.IGNORE;
          anyTarget |= target;
        } else {
          in[t] = packing.padId();
          ids[t] = packing.packed() ? id + 1 : id;
          tg[t] = Batch.IGNORE;
        }
      }
      if (!anyTarget) {
        return;
      }
      pending.add(new int[][] {in, tg, ids});
      rows++;
      if (pending.size() == perBatch) {
        flush();
      }
    }

    void flush() {
      if (pending.isEmpty()) {
        return;
      }
      int n = pending.size() * length;
      int[] in = new int[n];
      int[] tg = new int[n];
      float[] w = new float[n];
      int[] ids = new int[n];
      for (int r = 0; r < pending.size(); r++) {
        int[][] row = pending.get(r);
        System.arraycopy(row[0], 0, in, r * length, length);
        System.arraycopy(row[1], 0, tg, r * length, length);
        System.arraycopy(row[2], 0, ids, r * length, length);
      }
      for (int i = 0; i < n; i++) {
        w[i] = tg[i] == Batch.IGNORE ? 0f : 1f;
      }
      batches.add(new Batch(pending.size(), length, in, tg, w, ids));
      pending.clear();
    }
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
