package io.cpt4j.checkpoint.internal;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;

/**
 * A tensor under another name (a decoder layer moved to another index by depth growth or merge
 * slices): its bytes and values are the source's, read on demand, so a copy is exact. Immutable;
 * thread-safe as its source.
 *
 * @param info the new name with the source's dtype and shape
 * @param source the stored tensor
 */
public record RenamedTensor(TensorInfo info, Tensor source) implements Tensor {

  /** {@code source} under {@code name}. */
  public static RenamedTensor of(String name, Tensor source) {
    return new RenamedTensor(new TensorInfo(name, source.dtype(), source.shape()), source);
  }

  @Override
  public MemorySegment bytes() {
    return source.bytes();
  }

  @Override
  public void readFloats(long fromElement, float[] dst, int offset, int length) {
    source.readFloats(fromElement, dst, offset, length);
  }
}
