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
 * @param repetitionPenalty transformers' {@code repetition_penalty} (CTRL, Keskar et al. 2019): the
 *     logit of every token already in the prompt or the output is divided by it when positive and
 *     multiplied by it when negative, before temperature and filtering; 1.0 is off
 */
public record Generation(int maxNewTokens, double temperature, int topK, double topP, long seed,
    List<Integer> stopTokens, double repetitionPenalty) {

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
    if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
      throw new IllegalArgumentException("repetitionPenalty must be positive and finite (1.0 = off), got "
          + repetitionPenalty);
    }
  }

  /** Without a repetition penalty. */
  public Generation(int maxNewTokens, double temperature, int topK, double topP, long seed, List<Integer> stopTokens) {
    this(maxNewTokens, temperature, topK, topP, seed, stopTokens, 1.0);
  }

  /** With transformers' {@code repetition_penalty} (1.0 = off). */
  public Generation repetitionPenalty(double penalty) {
    return new Generation(maxNewTokens, temperature, topK, topP, seed, stopTokens, penalty);
  }

  /** Greedy decoding of up to {@code maxNewTokens} tokens, stopping at the model's EOS ids. */
  public static Generation greedy(int maxNewTokens) {
    return new Generation(maxNewTokens, 0, 0, 1.0, 0, null);
  }

  /** Sampling at {@code temperature} (0 is greedy). */
  public Generation temperature(double t) {
    return new Generation(maxNewTokens, t, topK, topP, seed, stopTokens, repetitionPenalty);
  }

  public Generation topK(int k) {
    return new Generation(maxNewTokens, temperature, k, topP, seed, stopTokens, repetitionPenalty);
  }

  public Generation topP(double p) {
    return new Generation(maxNewTokens, temperature, topK, p, seed, stopTokens, repetitionPenalty);
  }

  public Generation seed(long s) {
    return new Generation(maxNewTokens, temperature, topK, topP, s, stopTokens, repetitionPenalty);
  }

  /** Stop at these tokens instead of the model's EOS ids (an empty list never stops early). */
  public Generation stopAt(List<Integer> tokens) {
    return new Generation(maxNewTokens, temperature, topK, topP, seed, Objects.requireNonNull(tokens, "tokens"),
        repetitionPenalty);
  }

  public Generation maxNewTokens(int n) {
    return new Generation(n, temperature, topK, topP, seed, stopTokens, repetitionPenalty);
  }

  /** Whether tokens are picked by argmax. */
  public boolean isGreedy() {
    return temperature == 0 || topK == 1;
  }
}
