package io.cpt4j.onnx;

import java.util.List;
import java.util.Objects;

/**
 * How {@link OrtModel#generate} picks tokens: greedy ({@code temperature} 0) or sampling with
 * temperature, then top-k, then top-p (nucleus) filtering, in that order (as Hugging Face's
 * generate), from a seeded generator, so the same seed and prompt give the same tokens.
 *
 * <p>Defaults ({@link #greedy(int)}): temperature 0, top-k 0 (off), top-p 1.0 (off), seed 0, stop at
 * the model's {@code eos_token_id}s. Generation also stops at the model's context length. Immutable
 * and thread-safe.
 *
 * @param maxNewTokens most tokens to generate, at least 1
 * @param temperature 0 for greedy (argmax, lowest id on ties), else the softmax temperature (&gt; 0)
 * @param topK keep only the k most likely tokens; 0 keeps all
 * @param topP keep the most likely tokens whose probabilities sum to at least p, in (0, 1]
 * @param seed seed of the sampler
 * @param stopTokens tokens that end generation (included in the output); null means the model's
 *     end-of-sequence ids
 */
public record Generation(int maxNewTokens, double temperature, int topK, double topP, long seed,
    List<Integer> stopTokens) {

  public Generation {
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + maxNewTokens);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be 0 (greedy) or positive and finite, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be 0 (off) or positive, got " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
    }
    stopTokens = stopTokens == null ? null : List.copyOf(stopTokens);
  }

  /** Greedy decoding of up to {@code maxNewTokens} tokens, stopping at the model's EOS ids. */
  public static Generation greedy(int maxNewTokens) {
    return new Generation(maxNewTokens, 0, 0, 1.0, 0, null);
  }

  /** Sampling at {@code temperature} (0 is greedy). */
  public Generation temperature(double t) {
    return new Generation(maxNewTokens, t, topK, topP, seed, stopTokens);
  }

  public Generation topK(int k) {
    return new Generation(maxNewTokens, temperature, k, topP, seed, stopTokens);
  }

  public Generation topP(double p) {
    return new Generation(maxNewTokens, temperature, topK, p, seed, stopTokens);
  }

  public Generation seed(long s) {
    return new Generation(maxNewTokens, temperature, topK, topP, s, stopTokens);
  }

  /** Stop at these tokens instead of the model's EOS ids (an empty list never stops early). */
  public Generation stopAt(List<Integer> tokens) {
    return new Generation(maxNewTokens, temperature, topK, topP, seed, Objects.requireNonNull(tokens, "tokens"));
  }

  public Generation maxNewTokens(int n) {
    return new Generation(n, temperature, topK, topP, seed, stopTokens);
  }

  /** Whether tokens are picked by argmax. */
  public boolean isGreedy() {
    return temperature == 0 || topK == 1;
  }
}
