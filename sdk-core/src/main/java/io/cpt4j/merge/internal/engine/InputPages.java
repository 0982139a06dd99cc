package io.cpt4j.merge.internal.engine;

import io.cpt4j.checkpoint.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Drops pages of memory-mapped inputs from the process once a derivation has read them ({@link
 * MemorySegment#unload}, {@code madvise(MADV_DONTNEED)}): the file stays in the page cache, so a
 * later read only refaults, but the process's resident set stays bounded by the ranges in flight
 * instead of growing to the size of every input. Tensors that are not mapped are left alone.
 */
public final class InputPages {
  private InputPages() {}

  /** Releases elements {@code [from, from + n)} of every given tensor (nulls skipped). */
  public static void release(long from, long n, Tensor... tensors) {
    if (n <= 0) {
      return;
    }
    for (Tensor t : tensors) {
      if (t == null) {
        continue;
      }
      MemorySegment s;
      try {
        s = t.bytes();
      } catch (UnsupportedOperationException e) {
        continue; // computed values: nothing mapped
      }
      if (s.isMapped()) {
        long size = t.dtype().byteSize();
        s.asSlice(from * size, n * size).unload();
      }
    }
  }
}
