package io.cpt4j.onnx;

import java.util.List;

/**
 * How {@link OrtModel#generate} picks tokens: greedy ({@code temperature} 0) or sampling with
 * temperature, then top-k, then top-p (nucleus) filtering, in that order (as Hugging Face's
 * generate), from a seeded generator, so the same seed and prompt give the same tokens.
 *
 * <p>Built with {@link #builder()} (or {@link #greedy(int)}); {@link #newBuilder()} for a modified
 * copy, e.g. {@code model.generationDefaults().newBuilder().temperature(0.7).topP(0.9).build()}.
 * Defaults: temperature 0, top-k 0 (off), top-p 1.0 (off), seed 0, stop at the model's {@code
 * eos_token_id}s, no repetition penalty; {@code maxNewTokens} has none. Generation also stops at the
 * model's context length. Immutable and thread-safe.
 *
 * @param maxNewTokens most tokens to generate, at least 1 (no default)
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

  /**
   * Greedy decoding of up to {@code maxNewTokens} tokens, stopping at the model's EOS ids: {@code
   * builder().maxNewTokens(maxNewTokens).build()}.
   */
  public static Generation greedy(int maxNewTokens) {
    return builder().maxNewTokens(maxNewTokens).build();
  }

  /** A builder holding the defaults (see {@link Generation}); set {@link Builder#maxNewTokens}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, for a modified copy; this value is unchanged. */
  public Builder newBuilder() {
    return new Builder().maxNewTokens(maxNewTokens).temperature(temperature).topK(topK).topP(topP).seed(seed)
        .stopTokens(stopTokens).repetitionPenalty(repetitionPenalty);
  }

  /** Whether tokens are picked by argmax. */
  public boolean isGreedy() {
    return temperature == 0 || topK == 1;
  }

  /**
   * Collects {@link Generation} settings; the one place their defaults live (see {@link
   * Generation}). {@link #build()} checks them. Not thread-safe.
   */
  public static final class Builder {
    private int maxNewTokens;
    private double temperature;
    private int topK;
    private double topP = 1.0;
    private long seed;
    private List<Integer> stopTokens;
    private double repetitionPenalty = 1.0;

    private Builder() {}

    /** Most tokens to generate, at least 1; required. */
    public Builder maxNewTokens(int n) { this.maxNewTokens = n; return this; }

    /** Sampling at {@code t}; 0 (the default) is greedy. */
    public Builder temperature(double t) { this.temperature = t; return this; }

    /** Keep only the {@code k} most likely tokens; 0 (the default) keeps all. */
    public Builder topK(int k) { this.topK = k; return this; }

    /** Nucleus filtering at {@code p} in (0, 1]; 1.0 (the default) is off. */
    public Builder topP(double p) { this.topP = p; return this; }

    /** The sampler's seed (default 0). */
    public Builder seed(long s) { this.seed = s; return this; }

    /**
     * Stop at these tokens instead of the model's EOS ids (an empty list never stops early); null
     * (the default) stops at the model's EOS ids. The list is copied at {@link #build()}.
     */
    public Builder stopTokens(List<Integer> tokens) { this.stopTokens = tokens; return this; }

    /** transformers' {@code repetition_penalty}; 1.0 (the default) is off. */
    public Builder repetitionPenalty(double penalty) { this.repetitionPenalty = penalty; return this; }

    /**
     * The settings.
     *
     * @throws IllegalArgumentException naming the first setting out of range (a {@code maxNewTokens}
     *     never set is 0, out of range)
     * @throws NullPointerException if a stop token is null
     */
    public Generation build() {
      return new Generation(maxNewTokens, temperature, topK, topP, seed, stopTokens, repetitionPenalty);
    }
  }
}
