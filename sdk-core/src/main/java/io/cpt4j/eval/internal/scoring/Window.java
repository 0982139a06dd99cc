package io.cpt4j.eval.internal.scoring;

import io.cpt4j.eval.LoglikelihoodRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One request as the model sees it, by lm-evaluation-harness's rule ({@code HFLM._loglikelihood_tokens}):
 * the whole sequence {@code context + continuation}, cut to its last {@code maxLength + 1} tokens,
 * without its last token, is the input; the continuation's tokens are the targets of the input's
 * last {@code continuation.length} positions. In Python:
 *
 * <pre>
 * input = (context + continuation)[-(max_length + 1):][:-1]
 * score positions len(input) - len(continuation) .. len(input) - 1
 * </pre>
 *
 * A request longer than the model's context thus loses context tokens from the left and keeps the
 * whole continuation. Immutable (the arrays are never written after construction).
 *
 * @param request the request's index in the caller's list
 * @param input the model's input tokens, 1 to {@code maxLength}
 * @param continuation the scored tokens, the targets of the last positions of {@code input}
 */
record Window(int request, int[] input, int[] continuation) {

  /** Input positions. */
  int length() {
    return input.length;
  }

  /** The first scored position of the input. */
  int firstScored() {
    return input.length - continuation.length;
  }

  /**
   * The windows of {@code requests}, in order.
   *
   * @throws IllegalArgumentException naming the request and the id if a token id is negative or not
   *     below {@code vocab}, or naming the request if its continuation alone is longer than {@code
   *     maxLength} (it cannot be scored in one window)
   */
  static List<Window> of(List<LoglikelihoodRequest> requests, int maxLength, int vocab) {
    List<Window> out = new ArrayList<>(requests.size());
    for (int i = 0; i < requests.size(); i++) {
      LoglikelihoodRequest r = requests.get(i);
      if (r == null) {
        throw new NullPointerException("request " + i + " is null");
      }
      out.add(of(i, r, maxLength, vocab));
    }
    return out;
  }

  private static Window of(int index, LoglikelihoodRequest r, int maxLength, int vocab) {
    int[] context = r.context();
    int[] continuation = r.continuation();
    check(index, "context", context, vocab);
    check(index, "continuation", continuation, vocab);
    if (continuation.length > maxLength) {
      throw new IllegalArgumentException("request " + index + ": its continuation of " + continuation.length
          + " tokens is longer than the model's context of " + maxLength + " tokens");
    }
    int total = context.length + continuation.length;
    int from = Math.max(0, total - (maxLength + 1)); // the harness's [-(max_length + 1):]
    int[] whole = new int[total];
    System.arraycopy(context, 0, whole, 0, context.length);
    System.arraycopy(continuation, 0, whole, context.length, continuation.length);
    return new Window(index, Arrays.copyOfRange(whole, from, total - 1), continuation);
  }

  private static void check(int index, String part, int[] ids, int vocab) {
    for (int t = 0; t < ids.length; t++) {
      if (ids[t] < 0 || ids[t] >= vocab) {
        throw new IllegalArgumentException("request " + index + ": " + part + " token " + t + " has id " + ids[t]
            + ", outside the model's vocabulary [0, " + vocab + ")");
      }
    }
  }
}
