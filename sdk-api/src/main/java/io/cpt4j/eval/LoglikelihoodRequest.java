package io.cpt4j.eval;

import java.util.Arrays;
import java.util.Objects;

/**
 * One loglikelihood request as lm-evaluation-harness makes it: the log-probability of {@code
 * continuation} given {@code context}, both as token ids of the model's tokenizer. The context
 * already carries the model's special prefix (a BOS where the tokenizer adds one) and is never
 * empty: for a request without context the harness uses the end-of-text (or BOS) token as context.
 * A request longer than the model's context is cut from the left, as the harness does, keeping the
 * whole continuation. Immutable (the arrays are copied).
 *
 * @param context the conditioning tokens, at least one
 * @param continuation the scored tokens, at least one
 */
public record LoglikelihoodRequest(int[] context, int[] continuation) {
  public LoglikelihoodRequest {
    context = Objects.requireNonNull(context, "context").clone();
    continuation = Objects.requireNonNull(continuation, "continuation").clone();
    if (context.length == 0) {
      throw new IllegalArgumentException("context must hold at least one token (use the end-of-text or BOS token)");
    }
    if (continuation.length == 0) {
      throw new IllegalArgumentException("continuation must hold at least one token");
    }
  }

  @Override
  public int[] context() {
    return context.clone();
  }

  @Override
  public int[] continuation() {
    return continuation.clone();
  }

  /** Context and continuation lengths together. */
  public int length() {
    return context.length + continuation.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LoglikelihoodRequest r && Arrays.equals(context, r.context)
        && Arrays.equals(continuation, r.continuation);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(context) + Arrays.hashCode(continuation);
  }

  @Override
  public String toString() {
    return "LoglikelihoodRequest[context=" + context.length + " tokens, continuation="
        + Arrays.toString(continuation) + "]";
  }
}
