package io.cpt4j.checkpoint;

import java.util.List;
import java.util.Objects;

/**
 * Name, element type and shape of one tensor. Immutable.
 *
 * @param name the tensor's name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype its element type
 * @param shape its dimensions, outermost first; empty for a scalar
 */
public record TensorInfo(String name, DType dtype, List<Long> shape) {

  public TensorInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = List.copyOf(shape);
    long n = 1;
    for (Long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("tensor " + name + ": negative dimension in shape " + shape);
      }
      n = Math.multiplyExact(n, d);
    }
    Math.multiplyExact(n, (long) dtype.byteSize());
  }

  /** Convenience constructor from a primitive shape. */
  public static TensorInfo of(String name, DType dtype, long... shape) {
    Long[] boxed = new Long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      boxed[i] = shape[i];
    }
    return new TensorInfo(name, dtype, List.of(boxed));
  }

  /** Number of elements (1 for a scalar). */
  public long elementCount() {
    long n = 1;
    for (Long d : shape) {
      n *= d;
    }
    return n;
  }

  /** Bytes the data takes in this dtype. */
  public long byteSize() {
    return elementCount() * dtype.byteSize();
  }

  /** The shape as a primitive array (a fresh copy). */
  public long[] dims() {
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = shape.get(i);
    }
    return dims;
  }

  /** The same tensor in another dtype. */
  public TensorInfo withDtype(DType newType) {
    return new TensorInfo(name, newType, shape);
  }
}
