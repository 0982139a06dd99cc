package io.cpt4j.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * A dtype conversion that autograd sees through. DJL's {@code toType} converts under a no-grad
 * guard, which silently cuts the graph; PyTorch's {@code cumprod(dim, dtype)} over a trailing axis
 * of size 1 is the identity with a dtype conversion, and its backward converts the gradient back.
 */
final class Casts {
  private Casts() {}

  /** {@code x} as {@code type}, differentiable; {@code x} itself if it already is. */
  static NDArray cast(NDArray x, DataType type) {
    if (x.getDataType() == type) {
      return x;
    }
    NDArray column = x.expandDims(-1);
    return JniUtils.cumProd((PtNDArray) column, -1, type).squeeze(-1);
  }
}
