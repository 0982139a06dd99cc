package io.cpt4j.backend;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One micro-batch of token sequences for a causal language model: {@code rows × length} input ids,
 * the target id of every position (the next token, or {@link #IGNORE}), a loss weight per position
 * and a document id per position. Arrays are row-major ({@code index = row * length + t}).
 *
 * <p>Packed sequences: a row may hold several documents one after another. Positions restart at 0
 * where the document id changes, and attention never crosses from one document to another
 * (block-diagonal causal mask). Rows without packing have one document id throughout.
 *
 * <p>The loss of a batch is the weighted mean of the per-position negative log-likelihoods:
 * {@code Σ w·nll / Σ w} over positions whose target is not {@link #IGNORE}.
 *
 * <p>Immutable in intent: the arrays are not copied, do not change them after construction.
 *
 * @param rows sequences in the batch
 * @param length positions per sequence
 * @param inputIds token ids fed to the model, {@code rows × length}
 * @param targets id to predict at each position, or {@link #IGNORE}
 * @param weights loss weight of each position (≥ 0)
 * @param documentIds document of each position, non-decreasing along a row
 * @param rowSources the mixture source each row was drawn from ({@code ""} for a padding row), or
 *     empty when unknown; regularizers limited to some sources ({@link Regularizer#sources()}) apply
 *     to the rows of those sources only
 */
public record Batch(int rows, int length, int[] inputIds, int[] targets, float[] weights, int[] documentIds,
    List<String> rowSources) {

  /** Target id meaning "no loss at this position" (the value PyTorch's cross-entropy ignores). */
  public static final int IGNORE = -100;

  public Batch {
    if (rows <= 0 || length <= 0) {
      throw new IllegalArgumentException("a batch needs rows > 0 and length > 0, got " + rows + " × " + length);
    }
    int n = Math.multiplyExact(rows, length);
    check("inputIds", Objects.requireNonNull(inputIds, "inputIds").length, n);
    check("targets", Objects.requireNonNull(targets, "targets").length, n);
    check("weights", Objects.requireNonNull(weights, "weights").length, n);
    check("documentIds", Objects.requireNonNull(documentIds, "documentIds").length, n);
    rowSources = List.copyOf(Objects.requireNonNull(rowSources, "rowSources"));
    if (!rowSources.isEmpty() && rowSources.size() != rows) {
      throw new IllegalArgumentException("rowSources has " + rowSources.size() + " entries, the batch " + rows + " rows");
    }
    for (int i = 0; i < n; i++) {
      if (inputIds[i] < 0) {
        throw new IllegalArgumentException("inputIds[" + i + "] = " + inputIds[i] + " is negative");
      }
      if (targets[i] < 0 && targets[i] != IGNORE) {
        throw new IllegalArgumentException("targets[" + i + "] = " + targets[i] + " is negative and not IGNORE");
      }
      if (!(weights[i] >= 0) || Float.isInfinite(weights[i])) {
        throw new IllegalArgumentException("weights[" + i + "] = " + weights[i] + " must be finite and >= 0");
      }
      if (i % length != 0 && documentIds[i] < documentIds[i - 1]) {
        throw new IllegalArgumentException("documentIds must not decrease along a row (row " + i / length + ")");
      }
    }
  }

  /** A batch whose rows' sources are unknown. */
  public Batch(int rows, int length, int[] inputIds, int[] targets, float[] weights, int[] documentIds) {
    this(rows, length, inputIds, targets, weights, documentIds, List.of());
  }

  private static void check(String field, int actual, int expected) {
    if (actual != expected) {
      throw new IllegalArgumentException(field + " has " + actual + " entries, rows × length = " + expected);
    }
  }

  /**
   * Next-token prediction over whole sequences of equal length {@code n + 1}: inputs are tokens
   * {@code 0..n-1}, targets tokens {@code 1..n}, every weight 1, one document per row.
   */
  public static Batch causalLm(int[][] sequences) {
    int rows = sequences.length;
    if (rows == 0 || sequences[0].length < 2) {
      throw new IllegalArgumentException("need at least one sequence of at least 2 tokens");
    }
    int length = sequences[0].length - 1;
    int[] in = new int[rows * length];
    int[] tg = new int[rows * length];
    for (int r = 0; r < rows; r++) {
      if (sequences[r].length != length + 1) {
        throw new IllegalArgumentException("sequence " + r + " has " + sequences[r].length
            + " tokens, the first has " + (length + 1));
      }
      System.arraycopy(sequences[r], 0, in, r * length, length);
      System.arraycopy(sequences[r], 1, tg, r * length, length);
    }
    float[] w = new float[rows * length];
    Arrays.fill(w, 1f);
    return new Batch(rows, length, in, tg, w, new int[rows * length]);
  }

  /**
   * Checks a shared-prefix map for this batch ({@link TrainingSession#tokenScores(Batch, int[])}):
   * every document id indexes {@code prefixOf}, and a document with a prefix ({@code prefixOf[d] >=
   * 0}) comes after that prefix in the same row, the prefix itself having none.
   *
   * @throws IllegalArgumentException naming the document otherwise
   */
  public void checkPrefixOf(int[] prefixOf) {
    SharedPrefixes.check(this, java.util.Objects.requireNonNull(prefixOf, "prefixOf"));
  }

  /** A copy with other document ids (packing several documents into a row). */
  public Batch withDocumentIds(int[] ids) {
    return new Batch(rows, length, inputIds, targets, weights, ids, rowSources);
  }

  /** A copy with other loss weights. */
  public Batch withWeights(float[] w) {
    return new Batch(rows, length, inputIds, targets, w, documentIds, rowSources);
  }

  /** A copy with other targets. */
  public Batch withTargets(int[] t) {
    return new Batch(rows, length, inputIds, t, weights, documentIds, rowSources);
  }

  /** A copy naming the source of each row ({@code ""} for padding). */
  public Batch withRowSources(List<String> sources) {
    return new Batch(rows, length, inputIds, targets, weights, documentIds, sources);
  }

  /** Position id of index {@code i}: its distance from the start of its document. */
  public int position(int i) {
    int t = i % length;
    int p = 0;
    while (t - p > 0 && documentIds[i - p - 1] == documentIds[i]) {
      p++;
    }
    return p;
  }

  /** Sum of the weights of positions that have a target. */
  public double totalWeight() {
    double s = 0;
    for (int i = 0; i < targets.length; i++) {
      if (targets[i] != IGNORE) {
        s += weights[i];
      }
    }
    return s;
  }
}
