package io.cpt4j.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.cpt4j.backend.Batch;

/**
 * A {@link Batch} as engine arrays: input ids, rotary tables for the within-document positions
 * (gathered from {@link RopeTables}), the additive attention mask (causal and block-diagonal by
 * document), and the loss targets and weights. Created in {@code m} inside the caller's NDScope (if
 * any), so everything is freed with it; only {@code B·T}-sized arrays cross from the host.
 */
final class BatchInputs {
  final int rows;
  final int length;
  final NDArray ids; // (B*T) int64
  final NDArray cos; // (B, 1, T, rd), compute dtype
  final NDArray signedSin; // (B, 1, T, rd), compute dtype: -sin on the first half, sin on the second
  final NDArray mask; // (B, 1, T, T) additive: 0 or -inf
  final NDArray targets; // (B*T, 1) int64, IGNORE replaced by 0
  final NDArray weights; // (B*T) weight, 0 where IGNORE
  final NDArray hasTarget; // (B*T) 1 where the target is not IGNORE, else 0

  BatchInputs(NDManager m, Batch b, RopeTables rope) {
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
    long[] positionIds = new long[n];
    int bound = 1;
    for (int i = 0; i < n; i++) {
      positionIds[i] = positions[i];
      bound = Math.max(bound, positions[i] + 1);
    }
    ids = m.create(idl);
    targets = m.create(tgt, new Shape(n, 1));
    weights = m.create(w);
    hasTarget = m.create(valid);
    try (NDArray positionArray = m.create(positionIds)) {
      NDArray[] tables = rope.gather(positionArray, bound, rows, length);
      cos = tables[0];
      signedSin = tables[1];
    }
    // The mask is built on the batch's device from the document ids (B·T ints cross to the device
    // instead of B·T² floats, and the host does no T² loop): visible where j <= i and the documents
    // of i and j are the same. Transient memory: two B·T² bools besides the float32 mask.
    try (NDArray docs = m.create(b.documentIds(), new Shape(rows, length));
        NDArray di = docs.expandDims(2);
        NDArray dj = docs.expandDims(1);
        NDArray same = di.eq(dj); // (B, T, T): [b, i, j] = doc_i == doc_j
        NDArray pos = m.arange(length);
        NDArray pi = pos.expandDims(1);
        NDArray pj = pos.expandDims(0);
        NDArray causal = pi.gte(pj); // (T, T): [i, j] = j <= i
        NDArray visible = same.logicalAnd(causal);
        NDArray open = constant(m, 0.0);
        NDArray closed = constant(m, Double.NEGATIVE_INFINITY);
        NDArray additive = JniUtils.where((PtNDArray) visible, (PtNDArray) open, (PtNDArray) closed)) {
      mask = additive.expandDims(1); // a view: keeps the storage when `additive` is closed
    }
  }

  /** A float32 0-d constant made on {@code m}'s device by the engine (no host copy). */
  private static NDArray constant(NDManager m, double value) {
    return JniUtils.full((PtNDManager) m, new Shape(), value, DataType.FLOAT32, m.getDevice(), SparseFormat.DENSE);
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
