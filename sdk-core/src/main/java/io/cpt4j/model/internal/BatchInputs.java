package io.cpt4j.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.cpt4j.backend.Batch;

/**
 * A {@link Batch} as engine arrays: input ids, rotary tables for the within-document positions,
 * the additive attention mask (causal and block-diagonal by document), and the loss targets and
 * weights. Created inside the caller's NDScope, so everything is freed with it.
 */
final class BatchInputs {
  final int rows;
  final int length;
  final NDArray ids; // (B*T) int64
  final NDArray cos; // (B, 1, T, rd)
  final NDArray signedSin; // (B, 1, T, rd): -sin on the first half, sin on the second
  final NDArray mask; // (B, 1, T, T) additive: 0 or -inf
  final NDArray targets; // (B*T, 1) int64, IGNORE replaced by 0
  final NDArray weights; // (B*T) weight, 0 where IGNORE
  final NDArray hasTarget; // (B*T) 1 where the target is not IGNORE, else 0

  BatchInputs(NDManager m, Batch b, double[] invFreq, DataType dtype) {
    rows = b.rows();
    length = b.length();
    int n = rows * length;
    long[] idl = new long[n];
    long[] tgt = new long[n];
    float[] w = new float[n];
    float[] valid = new float[n];
    for (int i = 0; i < n; i++) {
      idl[i] = b.inputIds()[i];
      boolean ignore = b.targets()[i] == Batch.IGNORE;
      tgt[i] = ignore ? 0 : b.targets()[i];
      w[i] = ignore ? 0f : b.weights()[i];
      valid[i] = ignore ? 0f : 1f;
    }
    int[] positions = positions(b);
    ids = m.create(idl);
    targets = m.create(tgt, new Shape(n, 1));
    weights = m.create(w);
    hasTarget = m.create(valid);
    float[][] tables = Rope.tables(invFreq, positions);
    int rd = invFreq.length * 2;
    cos = m.create(tables[0], new Shape(rows, 1, length, rd)).toType(dtype, false);
    float[] signed = tables[1];
    for (int i = 0; i < signed.length; i += rd) {
      for (int j = 0; j < rd / 2; j++) {
        signed[i + j] = -signed[i + j];
      }
    }
    signedSin = m.create(signed, new Shape(rows, 1, length, rd)).toType(dtype, false);
    float[] maskData = new float[rows * length * length];
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < length; i++) {
        int di = b.documentIds()[r * length + i];
        for (int j = 0; j < length; j++) {
          boolean visible = j <= i && b.documentIds()[r * length + j] == di;
          maskData[(r * length + i) * length + j] = visible ? 0f : Float.NEGATIVE_INFINITY;
        }
      }
    }
    mask = m.create(maskData, new Shape(rows, 1, length, length));
  }

  /** Position ids: 0 at the start of each row and wherever the document id changes, then +1. */
  static int[] positions(Batch b) {
    int[] positions = new int[b.rows() * b.length()];
    for (int i = 0; i < positions.length; i++) {
      boolean docStart = i % b.length() == 0 || b.documentIds()[i] != b.documentIds()[i - 1];
      positions[i] = docStart ? 0 : positions[i - 1] + 1;
    }
    return positions;
  }
}
