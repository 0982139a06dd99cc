package io.cpt4j.merge.internal;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * A tensor of a task vector (or of a vector added to a checkpoint): {@code Σ cᵢ·xᵢ} over stored
 * tensors, computed for exactly the range asked for, accumulated in float64 and rounded once to
 * float32. A single term with coefficient 1 is copied exactly. Holds nothing between calls; large
 * ranges are split into pieces computed in parallel. Thread-safe.
 */
final class TaskVectorTensor implements Tensor {
  /** Elements per piece (and the scratch arrays' size). */
  static final int PIECE = 1 << 16;

  private final TensorInfo info;
  private final Tensor[] sources;
  private final java.util.concurrent.ConcurrentLinkedQueue<Buffers> buffers =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final double[] coefficients;

  TaskVectorTensor(TensorInfo info, List<TaskVectorAlgebra.Term> terms) {
    this.info = info;
    this.sources = terms.stream().map(TaskVectorAlgebra.Term::source).toArray(Tensor[]::new);
    this.coefficients = terms.stream().mapToDouble(TaskVectorAlgebra.Term::coefficient).toArray();
    for (Tensor s : sources) {
      if (s.elementCount() != info.elementCount()) {
        throw new IllegalStateException(info.name() + ": operand has " + s.elementCount() + " elements, expected "
            + info.elementCount());
      }
    }
  }

  @Override
  public TensorInfo info() {
    return info;
  }

  /** Bytes read from the operands to compute the whole tensor once. */
  long operandBytes() {
    long n = 0;
    for (Tensor s : sources) {
      n += s.info().byteSize();
    }
    return n;
  }

  /** Always unsupported: readers (the checkpoint writer) then stream through {@link #readFloats}. */
  @Override
  public MemorySegment bytes() {
    throw new UnsupportedOperationException("task vector tensor " + info.name() + " is computed: read it with readFloats");
  }

  @Override
  public void readFloats(long fromElement, float[] dst, int offset, int length) {
    Objects.checkFromIndexSize(fromElement, length, info.elementCount());
    Objects.checkFromIndexSize(offset, length, dst.length);
    int pieces = (length + PIECE - 1) / PIECE;
    if (pieces <= 1) {
      compute(fromElement, dst, offset, length);
      return;
    }
    IntStream.range(0, pieces).parallel().forEach(p -> {
      int start = p * PIECE;
      compute(fromElement + start, dst, offset + start, Math.min(PIECE, length - start));
    });
  }

  private void compute(long from, float[] dst, int offset, int length) {
    if (sources.length == 0) {
      java.util.Arrays.fill(dst, offset, offset + length, 0f);
      return;
    }
    if (sources.length == 1 && coefficients[0] == 1) {
      sources[0].readFloats(from, dst, offset, length);
      return;
    }
    Buffers b = buffers.poll(); // a pool rather than per thread: a source may itself read through one
    if (b == null) {
      b = new Buffers(new double[PIECE], new float[PIECE]);
    }
    double[] acc = b.acc();
    float[] x = b.x();
    java.util.Arrays.fill(acc, 0, length, 0);
    for (int s = 0; s < sources.length; s++) {
      sources[s].readFloats(from, x, 0, length);
      double c = coefficients[s];
      for (int i = 0; i < length; i++) {
        acc[i] += c * x[i];
      }
    }
    for (int i = 0; i < length; i++) {
      dst[offset + i] = (float) acc[i];
    }
    buffers.offer(b);
  }

  /** Scratch of one piece ({@link #PIECE} elements), reused across reads. */
  private record Buffers(double[] acc, float[] x) {}
}
