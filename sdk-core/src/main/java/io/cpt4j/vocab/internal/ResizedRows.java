package io.cpt4j.vocab.internal;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * An embedding or LM-head matrix {@code (rows, hidden)} grown to more rows: the rows of new tokens
 * hold the mean of the base rows of the tokens each replaces (FVT, Gee et al. 2022), computed in
 * float64 and rounded once to float; every other row below the base's row count is streamed from
 * the base unchanged (so it is written back bit-identical in the base's dtype). New rows past the
 * base's count that no token uses do not exist: the output has exactly the rows asked for.
 */
final class ResizedRows implements Tensor {
  private final TensorInfo info;
  private final Tensor base;
  private final long baseRows;
  private final int hidden;
  private final int firstNew;
  private final float[][] fresh;

  /**
   * @param base the base matrix, {@code (baseRows, hidden)}
   * @param rows rows of the result
   * @param firstNew the id (row) of the first new token
   * @param expansions for each new token in id order, the base ids whose rows it averages
   */
  ResizedRows(Tensor base, long rows, int firstNew, List<int[]> expansions) {
    this.base = base;
    this.baseRows = base.shape().get(0);
    this.hidden = Math.toIntExact(base.shape().get(1));
    this.info = new TensorInfo(base.name(), base.dtype(), List.of(rows, (long) hidden));
    this.firstNew = firstNew;
    this.fresh = new float[expansions.size()][];
    float[] row = new float[hidden];
    for (int k = 0; k < fresh.length; k++) {
      double[] sum = new double[hidden];
      for (int id : expansions.get(k)) {
        base.readFloats((long) id * hidden, row, 0, hidden);
        for (int j = 0; j < hidden; j++) {
          sum[j] += row[j];
        }
      }
      fresh[k] = new float[hidden];
      for (int j = 0; j < hidden; j++) {
        fresh[k][j] = (float) (sum[j] / expansions.get(k).length);
      }
    }
  }

  @Override
  public TensorInfo info() {
    return info;
  }

  @Override
  public MemorySegment bytes() {
    throw new UnsupportedOperationException("tensor " + info.name() + " is resized: read it with readFloats");
  }

  @Override
  public void readFloats(long fromElement, float[] dst, int offset, int length) {
    long end = fromElement + length;
    if (fromElement < 0 || length < 0 || end > info.elementCount()) {
      throw new IndexOutOfBoundsException("elements [" + fromElement + ", " + end + ") of " + info);
    }
    long at = fromElement;
    while (at < end) {
      long row = at / hidden;
      int col = (int) (at % hidden);
      int n = (int) Math.min(end - at, hidden - col);
      int k = (int) (row - firstNew);
      if (k >= 0 && k < fresh.length) {
        System.arraycopy(fresh[k], col, dst, offset, n);
      } else if (row < baseRows) {
        long upTo = Math.min(end, (firstNew > row ? Math.min(firstNew, baseRows) : baseRows) * hidden);
        n = (int) (upTo - at); // a run of base rows in one read
        base.readFloats(at, dst, offset, n);
      } else {
        throw new IllegalStateException("row " + row + " of " + info.name() + " is neither a base row nor a new token");
      }
      at += n;
      offset += n;
    }
  }
}
