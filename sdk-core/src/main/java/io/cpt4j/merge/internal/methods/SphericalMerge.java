package io.cpt4j.merge.internal.methods;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeMethod;
import io.cpt4j.merge.internal.engine.Derivation;
import io.cpt4j.merge.internal.engine.InputPages;
import io.cpt4j.merge.internal.engine.Scratch;
import java.util.List;

/**
 * One tensor of {@code nuslerp}, {@code multislerp} or {@code karcher}, chunk by chunk: phase 1
 * streams the inputs once to accumulate, per vector (the tensor, or each row or column for nuslerp
 * without flattening), the Gram matrix of the inputs {@code yₖ} (the models, or their task vectors
 * {@code xₖ − base}) in double; {@link SphericalKernel} turns each into coefficients; phase 2 writes
 * {@code cb·base + Σ cₖ·xₖ} (with {@code cb = 1 − Σ cₖ} for task vectors, else 0) in double, rounded
 * once, so coefficients (1, 0) give the first input exactly. Thread-safe after construction.
 */
final class SphericalMerge implements Derivation {
  private final MergeMethod method;
  private final String name;
  private final Tensor base;
  private final Tensor[] models;
  private final double[] weights;
  private final boolean taskVectors;
  private final long period;
  private final boolean columns;
  private final long count;
  private final int block;
  private volatile double[][] coefficients; // per vector: N model coefficients, then the base's

  /**
   * @param base the task vectors' reference; null (or unused) when the models are merged themselves
   * @param weights the models' weights for this tensor (nuslerp, multislerp)
   * @param shape the tensor's shape, which gives nuslerp's vectors
   * @param count elements merged: the first {@code count} of every input
   * @param block elements per phase-1 read
   */
  SphericalMerge(MergeMethod method, String name, Tensor base, Tensor[] models, double[] weights, List<Long> shape,
      long count, int block) {
    this.method = method;
    this.name = name;
    this.base = base;
    this.models = models.clone();
    this.weights = weights.clone();
    this.taskVectors = base != null;
    boolean perVector = method instanceof MergeMethod.Nuslerp n && !n.flatten() && shape.size() > 1;
    this.columns = perVector && ((MergeMethod.Nuslerp) method).rowWise();
    long rowLength = perVector ? shape.getLast() : Math.max(1, count);
    // nuslerp_row_wise: vectors along dimension 0, i.e. element i belongs to vector i mod (n / shape[0])
    this.period = columns ? shape.subList(1, shape.size()).stream().reduce(1L, Math::multiplyExact) : rowLength;
    this.count = count;
    this.block = block;
  }

  @Override
  public long count() {
    return count;
  }

  private long vectors() {
    return columns ? period : Math.max(1, (count + period - 1) / period);
  }

  private int vectorOf(long i) {
    return (int) (columns ? i % period : i / period);
  }

  @Override
  public void prepare() {
    if (coefficients != null) {
      return;
    }
    synchronized (this) {
      if (coefficients != null) {
        return;
      }
      int n = models.length;
      int vectors = Math.toIntExact(vectors());
      double[][] gram = new double[vectors][SphericalKernel.packed(n)];
      int len = (int) Math.min(block, Math.max(1, count));
      float[] b = new float[len];
      float[][] x = new float[n][len];
      double[] y = new double[n];
      for (long from = 0; from < count; from += len) {
        int m = (int) Math.min(len, count - from);
        read(from, m, b, x);
        for (int i = 0; i < m; i++) {
          double[] g = gram[vectorOf(from + i)];
          for (int k = 0; k < n; k++) {
            y[k] = taskVectors ? (double) x[k][i] - b[i] : x[k][i];
          }
          for (int k = 0, at = 0; k < n; k++) {
            for (int l = k; l < n; l++) {
              g[at++] += y[k] * y[l];
            }
          }
        }
        release(from, m); // resident memory stays one block, not the tensor
      }
      double[][] c = new double[vectors][];
      for (int v = 0; v < vectors; v++) {
        c[v] = withBase(of(gram[v]));
      }
      coefficients = c;
    }
  }

  /** The models' coefficients for one vector's Gram matrix. */
  private double[] of(double[] gram) {
    return switch (method) {
      case MergeMethod.Nuslerp nu -> SphericalKernel.nuslerp(gram, SphericalKernel.nuslerpT(weights[0], weights[1]));
      case MergeMethod.Multislerp ms -> SphericalKernel.multislerp(gram, normalized(ms), ms.eps(), name);
      case MergeMethod.Karcher k -> SphericalKernel.karcher(gram, models.length, k.maxIter(), k.tol());
      default -> throw new IllegalArgumentException(method.name() + " is not a spherical method");
    };
  }

  private double[] normalized(MergeMethod.Multislerp ms) {
    if (!ms.normalizeWeights()) {
      return weights;
    }
    double sum = 0;
    for (double w : weights) {
      sum += w;
    }
    if (sum == 0) {
      throw new MergeException("multislerp of " + name + ": the weights sum to 0, so they cannot be normalized "
          + "(give other weights, or normalize_weights: false)");
    }
    double[] w = weights.clone();
    for (int k = 0; k < w.length; k++) {
      w[k] /= sum;
    }
    return w;
  }

  /** The models' coefficients followed by the base's: {@code 1 − Σ cₖ} for task vectors, else 0. */
  private double[] withBase(double[] c) {
    double[] all = java.util.Arrays.copyOf(c, c.length + 1);
    if (taskVectors) {
      double sum = 0;
      for (double v : c) {
        sum += v;
      }
      all[c.length] = 1 - sum;
    }
    return all;
  }

  private void read(long from, int n, float[] b, float[][] x) {
    if (taskVectors) {
      base.readFloats(from, b, 0, n);
    }
    for (int k = 0; k < models.length; k++) {
      models[k].readFloats(from, x[k], 0, n);
    }
  }

  @Override
  public void release(long from, long n) {
    InputPages.release(from, n, models);
    if (taskVectors) {
      InputPages.release(from, n, base);
    }
  }

  @Override
  public void compute(long from, int n, float[] out, int off, Scratch s) {
    float[] b = s.work(0);
    float[][] x = s.inputs(models.length);
    read(from, n, b, x);
    double[][] c = coefficients;
    int k0 = models.length;
    for (int i = 0; i < n; i++) {
      double[] ci = c[vectorOf(from + i)];
      double v = taskVectors ? ci[k0] * b[i] : 0;
      for (int k = 0; k < k0; k++) {
        v += ci[k] * x[k][i];
      }
      out[off + i] = (float) v;
    }
  }
}
