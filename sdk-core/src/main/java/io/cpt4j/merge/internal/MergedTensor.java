package io.cpt4j.merge.internal;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;

/**
 * An output tensor whose values are computed on demand, range by range, when the checkpoint writer
 * reads them: nothing of the tensor is held besides its phase-1 statistics (a few numbers per
 * model) and per-thread buffers of {@code chunk} elements per input. The first read runs {@link
 * ChunkedMerge#prepare}; every read computes its range in parallel sub-chunks of {@code chunk}
 * elements. Elements past the merged ones (the extra vocabulary rows of {@link
 * io.cpt4j.merge.Merge#vocabularyFrom}) are copied from {@code tail}. Thread-safe.
 */
final class MergedTensor implements Tensor {
  private final TensorInfo info;
  private final ChunkedMerge merge;
  private final Tensor tail;
  private final int chunk;
  private final ConcurrentLinkedQueue<TensorMerge.Scratch> buffers;

  /**
   * @param info name, dtype and shape of the output
   * @param merge computes elements {@code [0, merge.count())}
   * @param tail supplies elements {@code [merge.count(), info.elementCount())} at the same indices;
   *     null when the merge covers the tensor
   * @param chunk elements per parallel sub-chunk (and per input buffer)
   * @param buffers idle buffers of {@code chunk} elements for {@code merge.models()} models, shared by
   *     the tensors of one merge so that their number is bounded by the threads, not the tensors
   */
  MergedTensor(TensorInfo info, ChunkedMerge merge, Tensor tail, int chunk,
      ConcurrentLinkedQueue<TensorMerge.Scratch> buffers) {
    if (tail == null && merge.count() != info.elementCount()) {
      throw new IllegalArgumentException(info.name() + ": merge covers " + merge.count() + " of "
          + info.elementCount() + " elements and nothing supplies the rest");
    }
    this.info = info;
    this.merge = merge;
    this.tail = tail;
    this.chunk = chunk;
    this.buffers = buffers;
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
  public void readFloats(long fromElement, float[] dst, int offset, int length) {
    Objects.checkFromIndexSize(fromElement, length, info.elementCount());
    Objects.checkFromIndexSize(offset, length, dst.length);
    long merged = Math.max(0, Math.min(length, merge.count() - fromElement));
    if (merged > 0) {
      merge.prepare();
      computeParallel(fromElement, (int) merged, dst, offset);
      merge.release(fromElement, merged);
    }
    if (merged < length) {
      tail.readFloats(fromElement + merged, dst, offset + (int) merged, length - (int) merged);
    }
  }

  private void computeParallel(long from, int length, float[] dst, int offset) {
    int parts = (length + chunk - 1) / chunk;
    int tasks = Math.min(parts, 2 * Runtime.getRuntime().availableProcessors());
    int perTask = (parts + tasks - 1) / tasks;
    IntStream range = IntStream.range(0, tasks);
    (tasks > 1 ? range.parallel() : range).forEach(task -> {
      TensorMerge.Scratch s = buffers.poll();
      if (s == null) {
        s = new TensorMerge.Scratch(merge.models(), chunk);
      }
      try {
        int end = Math.min(parts, (task + 1) * perTask);
        for (int p = task * perTask; p < end; p++) {
          int at = p * chunk;
          int n = Math.min(chunk, length - at);
          merge.compute(from + at, n, dst, offset + at, s);
        }
      } finally {
        buffers.add(s);
      }
    });
  }
}
