package io.cpt4j.onnx.internal;

import io.cpt4j.onnx.Generation;
import java.util.Arrays;
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
    double[] scaled = new double[v];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < v; i++) {
      scaled[i] = logits[i] / g.temperature();
      max = Math.max(max, scaled[i]);
    }
    Integer[] order = new Integer[v];
    for (int i = 0; i < v; i++) {
      order[i] = i;
    }
    // most likely first; ties by id so the order (and the draw) never depends on the sort
    Arrays.sort(order, (a, b) -> scaled[a] != scaled[b] ? Double.compare(scaled[b], scaled[a]) : Integer.compare(a, b));
    int keep = g.topK() > 0 ? Math.min(g.topK(), v) : v;
    double[] p = new double[keep];
    double sum = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp(scaled[order[i]] - max);
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
    double u = random.nextDouble() * sum;
    for (int i = 0; i < keep; i++) {
      u -= p[i];
      if (u < 0) {
        return order[i];
      }
    }
    return order[keep - 1];
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
