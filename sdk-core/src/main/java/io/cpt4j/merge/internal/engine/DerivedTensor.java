package io.cpt4j.merge.internal.engine;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * A tensor of a derived checkpoint (a merge, a task vector or its application, a graft) whose values
 * are computed on demand, range by range, when a reader (usually the checkpoint writer) asks for
 * them: nothing of the tensor is held besides its {@link Derivation}'s phase-1 statistics and the
 * pooled per-thread {@link Scratch} buffers. The first read runs {@link Derivation#prepare}; every
 * read computes its range in sub-chunks of the pool's length, in parallel when the derivation
 * allows it, then lets the derivation release the input pages of the range. Elements past {@link
 * Derivation#count} (the extra vocabulary rows of {@link io.cpt4j.merge.Merge#vocabularyFrom}) come
 * from a tail tensor at the same indices. {@link #bytes} is unsupported: readers stream through
 * {@link #readFloats}. Thread-safe.
 */
public final class DerivedTensor implements Tensor {
  private final TensorInfo info;
  private final Derivation derivation;
  private final Tensor tail;
  private final Scratch.Pool pool;

  /**
   * @param info name, dtype and shape of the output
   * @param derivation computes elements {@code [0, derivation.count())}
   * @param tail supplies elements {@code [derivation.count(), info.elementCount())}; null when the
   *     derivation covers the tensor
   * @param pool the scratch buffers, shared by the tensors of one output; its length is the chunk
   */
  public DerivedTensor(TensorInfo info, Derivation derivation, Tensor tail, Scratch.Pool pool) {
    this.info = Objects.requireNonNull(info, "info");
    this.derivation = Objects.requireNonNull(derivation, "derivation");
    this.pool = Objects.requireNonNull(pool, "pool");
    if (tail == null && derivation.count() != info.elementCount()) {
      throw new IllegalArgumentException(info.name() + ": derivation covers " + derivation.count() + " of "
          + info.elementCount() + " elements and nothing supplies the rest");
    }
    this.tail = tail;
  }

  /** A stand-alone tensor (its own pool of {@link DerivedCheckpoint#DEFAULT_CHUNK}-element scratches). */
  public static DerivedTensor of(TensorInfo info, Derivation derivation) {
    return new DerivedTensor(info, derivation, null, new Scratch.Pool(DerivedCheckpoint.DEFAULT_CHUNK));
  }

  @Override
  public TensorInfo info() {
    return info;
  }

  /** Always unsupported: readers (the checkpoint writer) then stream through {@link #readFloats}. */
  @Override
  public MemorySegment bytes() {
    throw new UnsupportedOperationException("tensor " + info.name() + " is computed: read it with readFloats");
  }

  @Override
  public void readFloats(long fromElement, float[] dst, int offset, int length) {
    Objects.checkFromIndexSize(fromElement, length, info.elementCount());
    Objects.checkFromIndexSize(offset, length, dst.length);
    long derived = Math.max(0, Math.min(length, derivation.count() - fromElement));
    if (derived > 0) {
      derivation.prepare();
      if (derivation.parallel()) {
        computeParallel(fromElement, (int) derived, dst, offset);
      } else {
        computeInOrder(fromElement, (int) derived, dst, offset);
      }
      derivation.release(fromElement, derived);
    }
    if (derived < length) {
      tail.readFloats(fromElement + derived, dst, offset + (int) derived, length - (int) derived);
    }
  }

  private void computeParallel(long from, int length, float[] dst, int offset) {
    int chunk = pool.length();
    int parts = (length + chunk - 1) / chunk;
    int tasks = Math.min(parts, 2 * Runtime.getRuntime().availableProcessors());
    int perTask = (parts + tasks - 1) / tasks;
    IntStream range = IntStream.range(0, tasks);
    (tasks > 1 ? range.parallel() : range).forEach(task -> {
      Scratch s = pool.take();
      try {
        int end = Math.min(parts, (task + 1) * perTask);
        for (int p = task * perTask; p < end; p++) {
          int at = p * chunk;
          derivation.compute(from + at, Math.min(chunk, length - at), dst, offset + at, s);
        }
      } finally {
        pool.give(s);
      }
    });
  }

  private void computeInOrder(long from, int length, float[] dst, int offset) {
    int chunk = pool.length();
    Scratch s = pool.take();
    try {
      synchronized (derivation) {
        for (int at = 0; at < length; at += chunk) {
          derivation.compute(from + at, Math.min(chunk, length - at), dst, offset + at, s);
        }
      }
    } finally {
      pool.give(s);
    }
  }
}
