package io.cpt4j.checkpoint;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** A float32 tensor held in a Java array; see {@link Tensor#ofFloats}. */
record HeapFloatTensor(TensorInfo info, float[] data) implements Tensor {

  HeapFloatTensor {
    Objects.requireNonNull(data, "data");
    if (info.elementCount() != data.length) {
      throw new IllegalArgumentException(
          "tensor " + info.name() + ": shape " + info.shape() + " holds " + info.elementCount()
              + " elements but the array has " + data.length);
    }
  }

  @Override
  public MemorySegment bytes() {
    // Heap float segments use the platform byte order; cpt4j supports little-endian platforms only.
    return MemorySegment.ofArray(data).asReadOnly();
  }

  @Override
  public void readFloats(long fromElement, float[] dst, int offset, int length) {
    Objects.checkFromIndexSize(fromElement, length, (long) data.length);
    System.arraycopy(data, (int) fromElement, dst, offset, length);
  }
}
