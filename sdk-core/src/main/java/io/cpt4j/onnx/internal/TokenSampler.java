package io.cpt4j.onnx.internal;

import io.cpt4j.onnx.Generation;
import java.util.Random;

/**
 * Picks the next token from one position's logits: argmax for greedy decoding, else temperature,
 * top-k and top-p (nucleus) filtering in that order, then a draw from the renormalized
 * distribution with a seeded {@link Random}. Not thread-safe (one per generation).
 */
final class TokenSampler {
  private final Generation g;
  private final Random random;

  TokenSampler(Generation g) {
    this.g = g;
    this.random = new Random(g.seed());
  }

  int next(float[] logits) {
    if (g.isGreedy()) {
      return argmax(logits);
    }
    int v = logits.length;
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l / g.temperature());
    }
    if (g.topK() == 0 && g.topP() >= 1) { // no filter: draw over all ids in id order, no sort
      double sum = 0;
      double[] p = new double[v];
      for (int i = 0; i < v; i++) {
        p[i] = Math.exp(logits[i] / g.temperature() - max);
        sum += p[i];
      }
      return draw(p, v, sum, i -> i);
    }
    // most likely first, ties by id: one primitive sort of (descending logit, id) keys
    long[] keys = new long[v];
    for (int i = 0; i < v; i++) {
      int bits = Float.floatToIntBits(logits[i]);
      int ascending = bits >= 0 ? bits : bits ^ 0x7fffffff; // monotonic in the float's value
      keys[i] = ((long) ~ascending << 32) | i;
    }
    java.util.Arrays.sort(keys);
    int keep = g.topK() > 0 ? Math.min(g.topK(), v) : v;
    double[] p = new double[keep];
    double sum = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp(logits[(int) keys[i]] / g.temperature() - max);
      sum += p[i];
    }
    if (g.topP() < 1) { // smallest prefix whose probability reaches topP (at least one token)
      double cumulative = 0;
      int cut = keep;
      for (int i = 0; i < keep; i++) {
        cumulative += p[i] / sum;
        if (cumulative >= g.topP()) {
          cut = i + 1;
          break;
        }
      }
      keep = cut;
      sum = 0;
      for (int i = 0; i < keep; i++) {
        sum += p[i];
      }
    }
    return draw(p, keep, sum, i -> (int) keys[i]);
  }

  /** A draw from the first {@code n} weights {@code p} (summing to {@code sum}); {@code id} maps a slot to its token. */
  private int draw(double[] p, int n, double sum, java.util.function.IntUnaryOperator id) {
    double u = random.nextDouble() * sum;
    for (int i = 0; i < n; i++) {
      u -= p[i];
      if (u < 0) {
        return id.applyAsInt(i);
      }
    }
    return id.applyAsInt(n - 1);
  }

  static int argmax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }
}
