package io.cpt4j.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Rotary tables of one pass, per position rather than per batch: the cosine and the signed sine
 * ({@code -sin} on the first half, {@code sin} on the second) of every position below a bound are
 * computed once by {@link Rope#tables} on the host, stored on the pass's device in the compute
 * dtype, and each batch gathers its rows by position id. A batch then sends {@code B·T} position
 * ids to the device instead of {@code 2·B·T·rd} table values, and the host does no trigonometry per
 * batch; the gathered values are exactly the ones a per-batch table would hold. The stored tables
 * grow (to the next power of two) when a batch has a later position.
 *
 * <p>Thread-safe: {@link #gather} may be called from a prefetch thread while the training thread
 * runs a step. The tables belong to the pass's manager and are freed with it.
 */
final class RopeTables {
  private final double[] invFreq;
  private final double scaling;
  private final NDManager manager;
  private final DataType dtype;
  private NDArray cos; // (P, rd)
  private NDArray signedSin; // (P, rd)
  private int positions;
  /** The tables of the sliding layers that have their own rope base (Gemma 3), or null. */
  final RopeTables local;

  RopeTables(double[] invFreq, double scaling, NDManager manager, DataType dtype) {
    this(invFreq, scaling, manager, dtype, null);
  }

  RopeTables(double[] invFreq, double scaling, NDManager manager, DataType dtype, RopeTables local) {
    this.invFreq = invFreq;
    this.scaling = scaling;
    this.local = local;
    this.manager = manager;
    this.dtype = dtype;
  }

  /**
   * The cosine and signed-sine rows of {@code positionIds} (int64, {@code rows·length}, each below
   * {@code bound}) as two {@code (rows, 1, length, rd)} arrays in the compute dtype, created in the
   * manager of {@code positionIds}.
   */
  synchronized NDArray[] gather(NDArray positionIds, int bound, int rows, int length) {
    if (bound > positions) {
      grow(Integer.highestOneBit(Math.max(bound, 2) - 1) << 1);
    }
    int rd = invFreq.length * 2;
    Shape shape = new Shape(rows, 1, length, rd);
    NDArray c = JniUtils.embedding((PtNDArray) positionIds, (PtNDArray) cos, false).reshape(shape);
    NDArray s = JniUtils.embedding((PtNDArray) positionIds, (PtNDArray) signedSin, false).reshape(shape);
    return new NDArray[] {c, s};
  }

  private void grow(int n) {
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
    }
    float[][] tables = Rope.tables(invFreq, ids, scaling);
    int rd = invFreq.length * 2;
    float[] signed = tables[1];
    for (int i = 0; i < signed.length; i += rd) {
      for (int j = 0; j < rd / 2; j++) {
        signed[i + j] = -signed[i + j];
      }
    }
    NDArray newCos = stored(tables[0], n, rd);
    NDArray newSin = stored(signed, n, rd);
    if (cos != null) {
      cos.close();
      signedSin.close();
    }
    cos = newCos;
    signedSin = newSin;
    positions = n;
  }

  /** A table on the pass's device in the compute dtype, owned by no scope (it outlives them all). */
  private NDArray stored(float[] values, int n, int rd) {
    NDArray f32 = manager.create(values, new Shape(n, rd));
    NDArray out = f32.toType(dtype, false);
    NDScope.unregister(f32, out);
    if (out != f32) {
      f32.close();
    }
    return out;
  }
}
