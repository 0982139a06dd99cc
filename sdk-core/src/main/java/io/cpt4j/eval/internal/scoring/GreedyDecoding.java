package io.cpt4j.eval.internal.scoring;

import io.cpt4j.eval.GenerationRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What both scorers share of {@link io.cpt4j.eval.Scorer#generate}: the requests checked and their
 * prompts cut to {@code maxLength - maxTokens} tokens from the left (the harness's {@code
 * max_ctx_len}), and, for a model without a key/value cache, the step loop that extends every
 * unfinished sequence by the argmax a {@link Step} computes for it, dropping sequences as they
 * finish. Stateless.
 */
final class GreedyDecoding {
  private GreedyDecoding() {}

  /** The next token of each sequence: the argmax of the logits after its last token. */
  interface Step {
    /**
     * @param sequences the sequences, each at most {@code maxLength} tokens
     * @return one token per sequence, in order
     */
    int[] next(List<Window> sequences);
  }

  /**
   * The prompt of request {@code index}: its context's last {@code maxLength - maxTokens} tokens.
   *
   * @throws IllegalArgumentException naming the request if a token id is outside {@code [0, vocab)}
   *     or {@code maxTokens} is not below {@code maxLength}
   */
  static int[] prompt(int index, GenerationRequest r, int maxLength, int vocab) {
    Objects.requireNonNull(r, () -> "request " + index + " is null");
    if (r.maxTokens() >= maxLength) {
      throw new IllegalArgumentException("request " + index + ": maxTokens " + r.maxTokens() + " must be below the "
          + "model's context of " + maxLength + " tokens (the prompt needs room)");
    }
    int[] context = r.context();
    for (int t = 0; t < context.length; t++) {
      if (context[t] < 0 || context[t] >= vocab) {
        throw new IllegalArgumentException("request " + index + ": context token " + t + " has id " + context[t]
            + ", outside the model's vocabulary [0, " + vocab + ")");
      }
    }
    int keep = maxLength - r.maxTokens();
    return context.length <= keep ? context : Arrays.copyOfRange(context, context.length - keep, context.length);
  }

  /** Greedy generation for every request, all unfinished sequences one {@link Step} a token. */
  static List<int[]> run(List<GenerationRequest> requests, int maxLength, int vocab, Step step) {
    int n = requests.size();
    int[][] sequences = new int[n][];
    int[] promptLength = new int[n];
    List<Integer> active = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      sequences[i] = prompt(i, requests.get(i), maxLength, vocab);
      promptLength[i] = sequences[i].length;
      active.add(i);
    }
    while (!active.isEmpty()) {
      List<Window> windows = new ArrayList<>(active.size());
      for (int a = 0; a < active.size(); a++) { // the argmax after the last token: a dummy target there
        windows.add(new Window(a, sequences[active.get(a)], new int[] {0}));
      }
      int[] next = step.next(windows);
      List<Integer> still = new ArrayList<>(active.size());
      for (int a = 0; a < active.size(); a++) {
        int i = active.get(a);
        int[] s = Arrays.copyOf(sequences[i], sequences[i].length + 1);
        s[s.length - 1] = next[a];
        sequences[i] = s;
        if (!requests.get(i).finished(Arrays.copyOfRange(s, promptLength[i], s.length))) {
          still.add(i);
        }
      }
      active = still;
    }
    List<int[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(Arrays.copyOfRange(sequences[i], promptLength[i], sequences[i].length));
    }
    return out;
  }
}
