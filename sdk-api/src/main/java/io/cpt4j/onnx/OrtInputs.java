package io.cpt4j.onnx;

import java.util.Objects;

/**
 * The inputs of one forward call, flattened row-major as the model's int64 inputs: {@code
 * input_ids [rows, length]}, {@code attention_mask [rows, past + length]} (1 for real tokens, 0 for
 * padding, covering the cached positions first) and {@code position_ids [rows, length]}. Immutable
 * by convention: arrays are not copied.
 *
 * @param rows batch rows
 * @param length new tokens per row
 * @param inputIds {@code rows · length} token ids
 * @param attentionMask {@code rows · (past + length)} zeros and ones
 * @param positionIds {@code rows · length} positions (rotary angles are computed from these)
 */
public record OrtInputs(int rows, int length, long[] inputIds, long[] attentionMask, long[] positionIds) {

  public OrtInputs {
    Objects.requireNonNull(inputIds, "inputIds");
    Objects.requireNonNull(attentionMask, "attentionMask");
    Objects.requireNonNull(positionIds, "positionIds");
    if (rows <= 0 || length <= 0) {
      throw new IllegalArgumentException("rows and length must be positive, got " + rows + " × " + length);
    }
    if (inputIds.length != rows * length || positionIds.length != rows * length) {
      throw new IllegalArgumentException("input_ids and position_ids need " + rows + " × " + length
          + " values, got " + inputIds.length + " and " + positionIds.length);
    }
    if (attentionMask.length % rows != 0 || attentionMask.length / rows < length) {
      throw new IllegalArgumentException("attention_mask needs rows × (past + length) values with rows = "
          + rows + " and length = " + length + ", got " + attentionMask.length);
    }
  }

  /** Positions covered by the attention mask: the cached ones plus the new ones. */
  public int totalLength() {
    return attentionMask.length / rows;
  }

  /** Rows of equal length without padding or cache: mask all ones, positions 0, 1, …. */
  public static OrtInputs of(int[][] ids) {
    int rows = ids.length;
    if (rows == 0) {
      throw new IllegalArgumentException("no rows");
    }
    int length = ids[0].length;
    long[] in = new long[rows * length];
    long[] mask = new long[rows * length];
    long[] pos = new long[rows * length];
    for (int r = 0; r < rows; r++) {
      if (ids[r].length != length) {
        throw new IllegalArgumentException("row " + r + " has " + ids[r].length + " tokens, row 0 has " + length
            + ": use leftPadded for rows of different lengths");
      }
      for (int t = 0; t < length; t++) {
        in[r * length + t] = ids[r][t];
        mask[r * length + t] = 1;
        pos[r * length + t] = t;
      }
    }
    return new OrtInputs(rows, length, in, mask, pos);
  }

  /**
   * Rows of different lengths, padded on the left with {@code padId} to the longest: the mask is 0
   * on the padding, positions count the real tokens from 0 (padding gets position 1, as Hugging
   * Face does; it is masked either way).
   */
  public static OrtInputs leftPadded(int[][] sequences, int padId) {
    int rows = sequences.length;
    if (rows == 0) {
      throw new IllegalArgumentException("no rows");
    }
    int length = 0;
    for (int[] s : sequences) {
      if (s.length == 0) {
        throw new IllegalArgumentException("empty row: every row needs at least one token");
      }
      length = Math.max(length, s.length);
    }
    long[] in = new long[rows * length];
    long[] mask = new long[rows * length];
    long[] pos = new long[rows * length];
    for (int r = 0; r < rows; r++) {
      int pad = length - sequences[r].length;
      for (int t = 0; t < length; t++) {
        int i = r * length + t;
        boolean real = t >= pad;
        in[i] = real ? sequences[r][t - pad] : padId;
        mask[i] = real ? 1 : 0;
        pos[i] = real ? t - pad : 1;
      }
    }
    return new OrtInputs(rows, length, in, mask, pos);
  }
}
