package io.cpt4j.merge.internal.tokens;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * One input's vocabulary tensor (rows × hidden) read in the output vocabulary, row by row from the
 * memory-mapped inputs, as mergekit's {@code PermutedEmbeddings} builds it in memory: output row
 * {@code t} is the input's row of token {@code t} when it has the token (and it is not forced), else
 * the token's fallback row ({@link VocabularyRemap.Row}: another input's row, zeros, or the mean of
 * the inputs that have it, summed in double); rows without a token are zeros; padding rows past the
 * vocabulary are the mean of this input's remapped token rows (computed in double on first use, one
 * pass). Values only come through {@link #readFloats}. Thread-safe.
 */
final class RemappedTensor implements Tensor {
  private final VocabularyRemap remap;
  private final int input;
  private final String name;
  private final Tensor raw;
  private final int hidden;
  private final TensorInfo info;
  private volatile float[] paddingRow;

  RemappedTensor(VocabularyRemap remap, int input, String name) {
    this.remap = remap;
    this.input = input;
    this.name = name;
    this.raw = remap.inputs.get(input).tensor(name);
    this.hidden = Math.toIntExact(raw.shape().get(1));
    this.info = new TensorInfo(name, raw.dtype(), List.of((long) remap.rows, (long) hidden));
  }

  @Override
  public TensorInfo info() {
    return info;
  }

  @Override
  public MemorySegment bytes() {
    throw new UnsupportedOperationException(name + " is remapped to the output vocabulary: read it with readFloats");
  }

  @Override
  public void readFloats(long fromElement, float[] dst, int offset, int length) {
    if (fromElement < 0 || length < 0 || fromElement + length > info.elementCount()) {
      throw new IndexOutOfBoundsException("elements " + fromElement + "+" + length + " of " + info);
    }
    long e = fromElement;
    int o = offset;
    int left = length;
    while (left > 0) {
      int row = (int) (e / hidden);
      int col = (int) (e % hidden);
      int n = Math.min(left, hidden - col);
      readRow(row, col, dst, o, n);
      e += n;
      o += n;
      left -= n;
    }
  }

  /** Elements {@code col … col+n−1} of output row {@code row} into {@code dst[o…]}. */
  private void readRow(int row, int col, float[] dst, int o, int n) {
    if (row >= remap.vocab) {
      System.arraycopy(padding(), col, dst, o, n);
      return;
    }
    int own = remap.perm[input][row];
    if (own >= 0 && !remap.force[row]) {
      raw.readFloats((long) own * hidden + col, dst, o, n);
      return;
    }
    switch (remap.fallback[row]) {
      case null -> Arrays.fill(dst, o, o + n, 0f); // an id without a token
      case VocabularyRemap.Row.Zero z -> Arrays.fill(dst, o, o + n, 0f);
      case VocabularyRemap.Row.FromInput f -> source(f.input()).readFloats((long) f.row() * hidden + col, dst, o, n);
      case VocabularyRemap.Row.Mean m -> {
        double[] sum = new double[n];
        float[] buf = new float[n];
        for (int k = 0; k < m.inputs().length; k++) {
          source(m.inputs()[k]).readFloats((long) m.rows()[k] * hidden + col, buf, 0, n);
          for (int j = 0; j < n; j++) {
            sum[j] += buf[j];
          }
        }
        for (int j = 0; j < n; j++) {
          dst[o + j] = (float) (sum[j] / m.inputs().length);
        }
      }
    }
  }

  private Tensor source(int i) {
    return i == input ? raw : remap.inputs.get(i).tensor(name);
  }

  /** The padding row: the mean of the remapped token rows (mergekit, after Hewitt's vocabulary expansion note). */
  private float[] padding() {
    float[] p = paddingRow;
    if (p == null) {
      synchronized (this) {
        if (paddingRow == null) {
          double[] sum = new double[hidden];
          float[] buf = new float[hidden];
          for (int r = 0; r < remap.vocab; r++) {
            readRow(r, 0, buf, 0, hidden);
            for (int j = 0; j < hidden; j++) {
              sum[j] += buf[j];
            }
          }
          float[] mean = new float[hidden];
          for (int j = 0; j < hidden; j++) {
            mean[j] = (float) (sum[j] / remap.vocab);
          }
          paddingRow = mean;
        }
        p = paddingRow;
      }
    }
    return p;
  }
}
