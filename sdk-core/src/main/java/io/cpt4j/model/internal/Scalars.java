package io.cpt4j.model.internal;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Arithmetic with a constant, the constant in engine-owned memory. Two reasons. First, DJL's {@code
 * NDArray.mul(Number)} wraps the number in a 0-d tensor over a Java direct buffer ({@code
 * torch.from_blob} on the CPU) and closes it as soon as the product is computed; autograd still
 * holds that tensor for the backward, but nothing holds the buffer any more, so a garbage
 * collection in between frees its memory and the backward multiplies by whatever is there then
 * (seen as gradients of 0, NaN or a few units in the fifth digit off, only when a GC hit between
 * forward and backward). Second, on a GPU every {@code op(Number)} copies that host buffer to the
 * device synchronously, which waits for all queued kernels: two per layer from the norms' epsilon
 * alone. The constant here is made by the engine on the operand's device ({@code torch.full}, no
 * copy), as exact a float64 as the number {@code op(Number)} would have made, so the result is bit
 * for bit the same.
 */
final class Scalars {
  private Scalars() {}

  /** {@code x · value} with {@code value} as an engine-owned float64 0-d tensor on {@code x}'s device. */
  static NDArray times(NDArray x, double value) {
    return x.mul(constant(x, value));
  }

  /** {@code x + value}, the same way. */
  static NDArray plus(NDArray x, double value) {
    return x.add(constant(x, value));
  }

  private static NDArray constant(NDArray like, double value) {
    return constant(like.getManager(), like.getDevice(), value, DataType.FLOAT64);
  }

  /** A 0-d {@code type} constant made by the engine on {@code m}'s device (no host copy), attached to {@code m}. */
  static NDArray constant(NDManager m, double value, DataType type) {
    return constant(m, m.getDevice(), value, type);
  }

  private static NDArray constant(NDManager m, Device device, double value, DataType type) {
    return JniUtils.full((PtNDManager) m, new Shape(), value, type, device, SparseFormat.DENSE);
  }
}
