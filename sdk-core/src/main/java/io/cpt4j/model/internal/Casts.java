package io.cpt4j.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * A dtype conversion that autograd sees through. DJL's {@code toType} converts under a no-grad
 * guard, which silently cuts the graph.
 *
 * <p>Widening (float16 → float32, float32 → float64) multiplies by a one-element tensor of ones of
 * the wider type: type promotion makes the product wide, multiplying by 1 is exact, and autograd
 * saves nothing for it (the ones need no gradient), so the float16 input is not kept alive for
 * backward. Narrowing uses PyTorch's {@code cumprod(dim, dtype)} over a trailing axis of size 1,
 * the identity with a dtype conversion, whose backward converts the gradient back (it keeps its
 * input and output for backward, which the surrounding ops keep anyway where it is used).
 */
final class Casts {
  private Casts() {}

  /** {@code x} as {@code type}, differentiable; {@code x} itself if it already is. */
  static NDArray cast(NDArray x, DataType type) {
    DataType from = x.getDataType();
    if (from == type) {
      return x;
    }
    if (widens(from, type)) {
      return x.mul(x.getManager().ones(new Shape(1), type));
    }
    NDArray column = x.expandDims(-1);
    return JniUtils.cumProd((PtNDArray) column, -1, type).squeeze(-1);
  }

  private static boolean widens(DataType from, DataType to) {
    return (from == DataType.FLOAT16 && (to == DataType.FLOAT32 || to == DataType.FLOAT64))
        || (from == DataType.FLOAT32 && to == DataType.FLOAT64);
  }
}
