package io.cpt4j.onnx.internal;

import io.cpt4j.onnx.Forward;
import io.cpt4j.onnx.KvCache;
import io.cpt4j.onnx.Logits;
import io.cpt4j.onnx.OnnxException;
import io.cpt4j.onnx.OrtInputs;
import io.cpt4j.onnx.OrtModel;
import java.util.Arrays;

/** {@link OrtModel#tokenNll}: per-token NLL over sliding windows, cache models in chunks. */
final class OrtScoring {
  /** Positions fed per call within a window when the model has a cache. */
  static final int CHUNK = 128;

  private OrtScoring() {}

  static float[] tokenNll(OrtModel m, int[] tokens, int window, int chunk) {
    int n = tokens.length;
    if (n < 2) {
      throw new OnnxException("scoring needs at least 2 tokens (the first is context only), got " + n);
    }
    if (window < 2) {
      throw new OnnxException("the context length must be at least 2 to score, got " + window);
    }
    float[] nll = new float[n - 1];
    int stride = Math.max(1, window / 2);
    int scored = 1; // next target index to score
    for (int start = 0; scored < n; start += stride) {
      int end = Math.min(start + window, n);
      int[] ids = Arrays.copyOfRange(tokens, start, end);
      int from = scored; // targets from..end-1 are scored in this window
      int offset = start;
      forEachLogits(m, ids, chunk, (position, logits) -> {
        int target = offset + position + 1;
        if (target >= from && target < end) {
          nll[target - 1] = (float) nll(logits, tokens[target]);
        }
      });
      scored = end;
    }
    return nll;
  }

  private interface PositionLogits {
    void accept(int position, float[] logits);
  }

  /** Logits of every position of {@code ids} (one row), in chunks through the cache if there is one. */
  private static void forEachLogits(OrtModel m, int[] ids, int chunk, PositionLogits sink) {
    if (!m.hasKvCache()) {
      Logits l = m.forward(OrtInputs.of(new int[][] {ids}), null).logits();
      for (int t = 0; t < ids.length; t++) {
        sink.accept(t, l.at(0, t));
      }
      return;
    }
    KvCache cache = null;
    try {
      for (int start = 0; start < ids.length; start += chunk) {
        int len = Math.min(chunk, ids.length - start);
        long[] in = new long[len];
        long[] pos = new long[len];
        for (int i = 0; i < len; i++) {
          in[i] = ids[start + i];
          pos[i] = start + i;
        }
        long[] mask = new long[start + len];
        Arrays.fill(mask, 1);
        Forward f = m.forward(new OrtInputs(1, len, in, mask, pos), cache);
        if (cache != null) {
          cache.close();
        }
        cache = f.cache().orElseThrow();
        for (int i = 0; i < len; i++) {
          sink.accept(start + i, f.logits().at(0, i));
        }
      }
    } finally {
      if (cache != null) {
        cache.close();
      }
    }
  }

  /** −log softmax(logits)[target], in double. */
  static double nll(float[] logits, int target) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : logits) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum) - logits[target];
  }
}
