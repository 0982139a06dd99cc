package io.cpt4j.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Products with a constant that autograd may keep for backward. DJL's {@code NDArray.mul(Number)}
 * wraps the number in a 0-d tensor over a Java direct buffer ({@code torch.from_blob} on the CPU)
 * and closes it as soon as the product is computed; autograd still holds that tensor for the
 * backward, but nothing holds the buffer any more, so a garbage collection in between frees its
 * memory and the backward multiplies by whatever is there then (seen as gradients of 0, NaN or a
 * few units in the fifth digit off, only when a GC hit between forward and backward). The constant
 * here lives in memory the engine allocated ({@code torch.full}), as exact a float64 as the number
 * {@code mul(Number)} would have made, so the product is bit for bit the same.
 */
final class Scalars {
  private Scalars() {}

  /** {@code x · value} with {@code value} as an engine-owned float64 0-d tensor on {@code x}'s device. */
  static NDArray times(NDArray x, double value) {
    NDArray c = JniUtils.full((PtNDManager) x.getManager(), new Shape(), value, DataType.FLOAT64, x.getDevice(),
        SparseFormat.DENSE);
    return x.mul(c);
  }
}
