package io.cpt4j.onnx;

import java.util.Arrays;
import java.util.Objects;

/**
 * Float32 logits of a forward pass, {@code rows × length × vocab} in row-major order (the layout of
 * the model's {@code logits} output). Immutable by convention: the array is not copied, do not
 * change it.
 *
 * @param rows batch rows
 * @param length positions per row (the new tokens of the call, not the cached ones)
 * @param vocab vocabulary size
 * @param values {@code rows · length · vocab} values
 */
public record Logits(int rows, int length, int vocab, float[] values) {

  public Logits {
    Objects.requireNonNull(values, "values");
    if ((long) rows * length * vocab != values.length) {
      throw new IllegalArgumentException(
          "logits " + rows + " × " + length + " × " + vocab + " need " + (long) rows * length * vocab
              + " values, got " + values.length);
    }
  }

  /** The logit of {@code token} at {@code position} of {@code row}. */
  public float at(int row, int position, int token) {
    return values[offset(row, position) + token];
  }

  /** A copy of the {@code vocab} logits at {@code position} of {@code row}. */
  public float[] at(int row, int position) {
    int o = offset(row, position);
    return Arrays.copyOfRange(values, o, o + vocab);
  }

  private int offset(int row, int position) {
    Objects.checkIndex(row, rows);
    Objects.checkIndex(position, length);
    return (row * length + position) * vocab;
  }
}
