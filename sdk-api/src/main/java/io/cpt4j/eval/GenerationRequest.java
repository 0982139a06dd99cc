package io.cpt4j.eval;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * One greedy generation for {@link Scorer#generate}, as lm-evaluation-harness's {@code
 * generate_until} asks for it: continue {@code context} one argmax token at a time until a stop
 * token, until {@code until} says the text so far is finished, or after {@code maxTokens} tokens.
 * The context carries the model's special prefix, as a {@link LoglikelihoodRequest}'s does; one
 * longer than {@code scorer.maxLength() - maxTokens} tokens keeps its last ones (the harness's
 * {@code left_truncate_len}). Immutable (the context is copied); {@code until} must be a pure
 * function of its argument.
 *
 * @param context the prompt's tokens, at least one
 * @param maxTokens most tokens to generate, at least 1 (the harness's {@code max_gen_toks}, 256 by default)
 * @param stopTokens ids that end generation when generated (kept as the answer's last token), e.g.
 *     the model's {@code eos_token_id}s; may be empty
 * @param until told the tokens generated so far after each new one; {@code true} ends generation
 *     (how stop strings are checked); null for never
 */
public record GenerationRequest(int[] context, int maxTokens, List<Integer> stopTokens, Predicate<int[]> until) {
  public GenerationRequest {
    context = Objects.requireNonNull(context, "context").clone();
    if (context.length == 0) {
      throw new IllegalArgumentException("context must hold at least one token (use the end-of-text or BOS token)");
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
    }
    stopTokens = List.copyOf(Objects.requireNonNull(stopTokens, "stopTokens"));
  }

  @Override
  public int[] context() {
    return context.clone();
  }

  /** Whether {@code token} is one of the {@link #stopTokens()}. */
  public boolean isStop(int token) {
    return stopTokens.contains(token);
  }

  /** Whether generation ends after {@code generated}: its last token stops, {@code until} holds, or it is full. */
  public boolean finished(int[] generated) {
    int n = generated.length;
    return n >= maxTokens || (n > 0 && isStop(generated[n - 1])) || (until != null && n > 0 && until.test(generated));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GenerationRequest r && Arrays.equals(context, r.context) && maxTokens == r.maxTokens
        && stopTokens.equals(r.stopTokens) && Objects.equals(until, r.until);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(context), maxTokens, stopTokens, until);
  }

  @Override
  public String toString() {
    return "GenerationRequest[context=" + context.length + " tokens, maxTokens=" + maxTokens + ", stopTokens="
        + stopTokens + (until == null ? "" : ", until") + "]";
  }
}
