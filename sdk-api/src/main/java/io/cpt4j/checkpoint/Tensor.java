package io.cpt4j.checkpoint;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One tensor's metadata and lazily read data. Tensors of an opened {@link Checkpoint} are views of
 * memory-mapped files: nothing is read until asked for, and nothing stays on the heap. They are
 * valid until the checkpoint is closed.
 *
 * <p>Thread-safety: reads are safe from any number of threads.
 */
public interface Tensor {

  /** Name, dtype and shape. */
  TensorInfo info();

  default String name() {
    return info().name();
  }

  default DType dtype() {
    return info().dtype();
  }

  default List<Long> shape() {
    return info().shape();
  }

  default long elementCount() {
    return info().elementCount();
  }

  /**
   * The stored data as read-only little-endian bytes, exactly as in the safetensors buffer ({@link
   * TensorInfo#byteSize()} bytes). This is how integer and boolean tensors are read.
   *
   * @throws UnsupportedOperationException if a floating-point tensor only produces values through
   *     {@link #readFloats} (e.g. generated data); writers then stream it through readFloats
   */
  MemorySegment bytes();

  /**
   * Reads {@code length} elements starting at element {@code fromElement} into {@code dst[offset..]},
   * widened to float (exact for F16 and BF16; F64 is rounded to nearest). Lets callers stream a
   * tensor of any size in chunks.
   *
   * @throws UnsupportedOperationException if the dtype is not floating point
   * @throws IndexOutOfBoundsException if the range is outside the tensor or the array
   */
  void readFloats(long fromElement, float[] dst, int offset, int length);

  /**
   * The whole tensor as a new float array.
   *
   * @throws UnsupportedOperationException if the dtype is not floating point or the tensor has more
   *     than {@code Integer.MAX_VALUE - 8} elements (read it in chunks with {@link #readFloats})
   */
  default float[] toFloatArray() {
    long n = elementCount();
    if (n > Integer.MAX_VALUE - 8) {
      throw new UnsupportedOperationException(
          "tensor " + name() + " has " + n + " elements, too many for one array: use readFloats in chunks");
    }
    float[] out = new float[(int) n];
    readFloats(0, out, 0, out.length);
    return out;
  }

  /**
   * An in-memory F32 tensor over {@code data} (not copied: do not change the array afterwards).
   *
   * @throws IllegalArgumentException if the shape does not hold {@code data.length} elements
   */
  static Tensor ofFloats(String name, long[] shape, float[] data) {
    return new HeapFloatTensor(TensorInfo.of(name, DType.F32, shape), data);
  }
}
