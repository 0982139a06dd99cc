package io.cpt4j.checkpoint.internal;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** A tensor viewed in a mapped safetensors data buffer. */
record MappedTensor(TensorInfo info, MemorySegment bytes) implements Tensor {

  @Override
  public void readFloats(long fromElement, float[] dst, int offset, int length) {
    if (!info.dtype().isFloatingPoint()) {
      throw new UnsupportedOperationException(
          "tensor " + info.name() + " is " + info.dtype() + ", not floating point: read bytes()");
    }
    Objects.checkFromIndexSize(fromElement, length, info.elementCount());
    Objects.checkFromIndexSize(offset, length, dst.length);
    FloatCodec.decode(info.dtype(), bytes, fromElement * info.dtype().byteSize(), dst, offset, length);
  }
}
