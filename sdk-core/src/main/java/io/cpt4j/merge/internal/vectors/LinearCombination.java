package io.cpt4j.merge.internal.vectors;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.internal.engine.Derivation;
import io.cpt4j.merge.internal.engine.Scratch;
import java.util.Arrays;
import java.util.List;

/**
 * The {@link Derivation} of a task vector's tensor (or of a vector added to a checkpoint): {@code Σ
 * cᵢ·xᵢ} over stored tensors, computed for exactly the range asked for, accumulated in float64 and
 * rounded once to float32. A single term with coefficient 1 is copied exactly; no terms give zeros.
 * Holds nothing between calls. Thread-safe.
 */
final class LinearCombination implements Derivation {
  private final long count;
  private final Tensor[] sources;
  private final double[] coefficients;

  /**
   * @param info the tensor computed (every term's source must have its element count)
   * @param terms the stored tensors and their coefficients
   */
  LinearCombination(TensorInfo info, List<TaskVectorAlgebra.Term> terms) {
    this.count = info.elementCount();
    this.sources = terms.stream().map(TaskVectorAlgebra.Term::source).toArray(Tensor[]::new);
    this.coefficients = terms.stream().mapToDouble(TaskVectorAlgebra.Term::coefficient).toArray();
    for (Tensor s : sources) {
      if (s.elementCount() != count) {
        throw new IllegalStateException(info.name() + ": operand has " + s.elementCount() + " elements, expected "
            + count);
      }
    }
  }

  @Override
  public long count() {
    return count;
  }

  /** Bytes read from the operands to compute the whole tensor once. */
  long operandBytes() {
    long n = 0;
    for (Tensor s : sources) {
      n += s.info().byteSize();
    }
    return n;
  }

  @Override
  public void compute(long from, int n, float[] out, int off, Scratch scratch) {
    if (sources.length == 0) {
      Arrays.fill(out, off, off + n, 0f);
      return;
    }
    if (sources.length == 1 && coefficients[0] == 1) {
      sources[0].readFloats(from, out, off, n);
      return;
    }
    double[] acc = scratch.wide(0);
    float[] x = scratch.work(0);
    Arrays.fill(acc, 0, n, 0);
    for (int s = 0; s < sources.length; s++) {
      sources[s].readFloats(from, x, 0, n);
      double c = coefficients[s];
      for (int i = 0; i < n; i++) {
        acc[i] += c * x[i];
      }
    }
    for (int i = 0; i < n; i++) {
      out[off + i] = (float) acc[i];
    }
  }
}
