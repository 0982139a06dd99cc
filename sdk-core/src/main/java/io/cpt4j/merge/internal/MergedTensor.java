package io.cpt4j.merge.internal;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * An output tensor whose values are computed when the checkpoint writer first reads it and released
 * as soon as every element has been read, so a merge holds only the tensor being written (plus its
 * inputs while it is computed). Thread-safe (reads are serialised).
 */
final class MergedTensor implements Tensor {
  private final TensorInfo info;
  private final Supplier<float[]> compute;
  private float[] data;
  private long consumed;

  MergedTensor(TensorInfo info, Supplier<float[]> compute) {
    this.info = info;
    this.compute = compute;
  }

  @Override
  public TensorInfo info() {
    return info;
  }

  /** Always unsupported: the writer then streams the values through {@link #readFloats}. */
  @Override
  public MemorySegment bytes() {
    throw new UnsupportedOperationException("merged tensor " + info.name() + ": read it with readFloats");
  }

  @Override
  public synchronized void readFloats(long fromElement, float[] dst, int offset, int length) {
    Objects.checkFromIndexSize(fromElement, length, info.elementCount());
    Objects.checkFromIndexSize(offset, length, dst.length);
    if (data == null) {
      data = compute.get();
      consumed = 0;
      if (data.length != info.elementCount()) {
        throw new IllegalStateException("merged " + info.name() + " has " + data.length + " elements, expected "
            + info.elementCount());
      }
    }
    System.arraycopy(data, (int) fromElement, dst, offset, length);
    consumed += length;
    if (consumed >= data.length) {
      data = null; // all read: let it go before the next tensor is computed
    }
  }
}
