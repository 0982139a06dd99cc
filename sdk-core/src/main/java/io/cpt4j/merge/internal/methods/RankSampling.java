package io.cpt4j.merge.internal.methods;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.internal.select.MagnitudeSelect;
import java.util.Arrays;

/**
 * DELLA's MagPrune of one model's task vector in one tensor (mergekit's {@code della_magprune}):
 * within each row, the entries are ranked by magnitude, {@code q = 0} the smallest to {@code L − 1}
 * the largest (of equal magnitudes the earlier entry ranks higher, as TIES's trimming ranks them),
 * and the entry of rank {@code q} is kept with probability {@code p = density − ε + 2ε·q/(L − 1)}
 * ({@code density} in a row of one element) and rescaled by {@code 1/p}. The draw is DARE's seeded
 * {@link DropPattern} at the element's index, so with {@code ε = 0} the pattern is DARE's.
 *
 * <p>A row is the tensor's trailing dimensions (its last one for a matrix; a vector is one row).
 * Ranks need a whole row: the rows a range touches are read whole from the inputs, so the result does
 * not depend on chunking. Thread-safe: each thread keeps the ranks of the last row it ranked.
 */
final class RankSampling {
  private final Tensor model;
  private final Tensor base;
  private final int rowLength;
  private final double low;
  private final double step;
  private final long key;

  /** Per thread: the ranks of the last row ranked, and whose row it was. */
  private static final ThreadLocal<Row> ROWS = ThreadLocal.withInitial(Row::new);

  private static final class Row {
    Object owner;
    long index = -1;
    float[] x = new float[0];
    float[] b = new float[0];
    long[] keys = new long[0];
    int[] rank = new int[0];

    void ensure(int n) {
      if (x.length < n) {
        x = new float[n];
        b = new float[n];
        keys = new long[n];
        rank = new int[n];
      }
    }
  }

  /**
   * @param model the model's values ({@code model − base} is the task vector)
   * @param rowLength elements per row
   * @param density the mean keep probability, in (0, 1)
   * @param epsilon the half-width of the keep probabilities
   * @param key the drop pattern's key ({@link DropPattern#key})
   */
  RankSampling(Tensor model, Tensor base, long rowLength, double density, double epsilon, long key) {
    if (rowLength < 1 || rowLength > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("row length " + rowLength);
    }
    this.model = model;
    this.base = base;
    this.rowLength = (int) rowLength;
    this.low = rowLength == 1 ? density : density - epsilon;
    this.step = rowLength == 1 ? 0 : 2 * epsilon / (rowLength - 1);
    this.key = key;
  }

  /**
   * Checks that {@code density ± epsilon} lies in (0, 1), as mergekit requires of a density below 1.
   *
   * @throws MergeException naming the model and tensor otherwise
   */
  static void check(String model, String tensor, double density, double epsilon) {
    if (density < 1 && !(density - epsilon > 0 && density + epsilon < 1)) {
      throw new MergeException("density ± epsilon of " + model + " for " + tensor + " must lie in (0, 1), got "
          + density + " ± " + epsilon + ": lower epsilon or move the density away from 0 and 1");
    }
  }

  /** The keep probability of the entry of rank {@code q} in its row. */
  double probability(int q) {
    return low + step * q;
  }

  /** Samples {@code d[0..n)}, the task vector at elements {@code [from, from + n)}, in place. */
  void apply(float[] d, long from, int n) {
    Row row = ROWS.get();
    int i = 0;
    while (i < n) {
      long e = from + i;
      long r = e / rowLength;
      if (row.owner != this || row.index != r) {
        rank(row, r);
      }
      int start = (int) (e - r * rowLength);
      int end = (int) Math.min(rowLength, start + (long) (n - i));
      for (int j = start; j < end; j++, i++) {
        double p = probability(row.rank[j]);
        d[i] = DropPattern.keeps(key, from + i, p) ? d[i] * (float) (1 / p) : 0;
      }
    }
  }

  /** Reads row {@code r} of the task vector and ranks it into {@code row}. */
  private void rank(Row row, long r) {
    int len = rowLength;
    row.ensure(len);
    long at = r * len;
    model.readFloats(at, row.x, 0, len);
    base.readFloats(at, row.b, 0, len);
    for (int j = 0; j < len; j++) {
      // magnitude bits order like |δ|; the low half makes the earlier of equal magnitudes rank higher
      row.keys[j] = (long) MagnitudeSelect.magnitudeBits(row.x[j] - row.b[j]) << 32 | (len - 1 - j);
    }
    Arrays.sort(row.keys, 0, len);
    for (int q = 0; q < len; q++) {
      row.rank[len - 1 - (int) (row.keys[q] & 0xffffffffL)] = q;
    }
    row.owner = this;
    row.index = r;
  }
}
