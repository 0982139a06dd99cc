package io.cpt4j.onnx.internal;

import io.cpt4j.onnx.Forward;
import io.cpt4j.onnx.Generation;
import io.cpt4j.onnx.KvCache;
import io.cpt4j.onnx.OnnxException;
import io.cpt4j.onnx.OrtInputs;
import io.cpt4j.onnx.OrtModel;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

/**
 * The generation loop of {@link OrtModel#generate} (and of the ONNX scorer's greedy generation):
 * one prompt, a {@link TokenSampler}, the cache carried from call to call (or, without a cache,
 * the whole sequence re-run every step).
 */
public final class OrtGeneration {
  private OrtGeneration() {}

  static int[] generate(OrtModel m, int[] prompt, Generation g, IntConsumer onToken) {
    return generate(m, prompt, g, onToken, null);
  }

  /**
   * {@link OrtModel#generate}, also ending when {@code until} (if not null) holds for the tokens
   * generated so far, tested after each new token.
   */
  public static int[] generate(OrtModel m, int[] prompt, Generation g, IntConsumer onToken, Predicate<int[]> until) {
    int context = m.config().maxPositionEmbeddings();
    if (prompt.length == 0) {
      throw new OnnxException("the prompt is empty: generation needs at least one token (e.g. the BOS token)");
    }
    if (prompt.length >= context) {
      throw new OnnxException("the prompt has " + prompt.length + " tokens, the context length is " + context);
    }
    List<Integer> stops = g.stopTokens() == null ? m.config().eosTokenIds() : g.stopTokens();
    Set<Integer> stop = new HashSet<>(stops);
    TokenSampler sampler = new TokenSampler(g);
    int budget = Math.min(g.maxNewTokens(), context - prompt.length);
    int[] sequence = Arrays.copyOf(prompt, prompt.length + budget);
    int length = prompt.length;
    KvCache cache = null;
    try {
      Forward f = m.forward(OrtInputs.of(new int[][] {prompt}), null);
      cache = f.cache().orElse(null);
      float[] logits = f.logits().at(0, prompt.length - 1);
      while (true) {
        int next = sampler.next(penalized(logits, sequence, length, g.repetitionPenalty()));
        sequence[length++] = next;
        if (onToken != null) {
          onToken.accept(next);
        }
        if (stop.contains(next) || length - prompt.length == budget
            || (until != null && until.test(Arrays.copyOfRange(sequence, prompt.length, length)))) {
          break;
        }
        if (cache != null) {
          long[] mask = new long[length];
          Arrays.fill(mask, 1);
          OrtInputs step = new OrtInputs(1, 1, new long[] {next}, mask, new long[] {length - 1});
          Forward s = m.forward(step, cache);
          cache.close();
          cache = s.cache().orElseThrow();
          logits = s.logits().at(0, 0);
        } else {
          Forward s = m.forward(OrtInputs.of(new int[][] {Arrays.copyOf(sequence, length)}), null);
          logits = s.logits().at(0, length - 1);
        }
      }
    } finally {
      if (cache != null) {
        cache.close();
      }
    }
    return Arrays.copyOfRange(sequence, prompt.length, length);
  }

  /**
   * transformers' {@code RepetitionPenaltyLogitsProcessor}: the logit of each token among {@code
   * sequence[0, length)} divided by {@code penalty} if positive, multiplied if negative (once per
   * distinct token); a copy, or {@code logits} itself when the penalty is 1.
   */
  static float[] penalized(float[] logits, int[] sequence, int length, double penalty) {
    if (penalty == 1.0) {
      return logits;
    }
    float[] out = logits.clone();
    java.util.BitSet seen = new java.util.BitSet(logits.length);
    for (int i = 0; i < length; i++) {
      int t = sequence[i];
      if (t >= 0 && t < out.length && !seen.get(t)) {
        seen.set(t);
        out[t] = (float) (out[t] < 0 ? out[t] * penalty : out[t] / penalty);
      }
    }
    return out;
  }
}
