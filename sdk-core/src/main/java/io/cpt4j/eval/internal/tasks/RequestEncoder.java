package io.cpt4j.eval.internal.tasks;

import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.TaskException;
import io.cpt4j.tokenize.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Text requests made token requests as the harness's {@code HFLM} makes them, under the model's
 * own BOS convention ({@link Tokenizer#specialPrefix()} before every context):
 *
 * <pre>
 * pair (context, continuation), as _encode_pair:
 *   1) n = trailing whitespace of context; move it: continuation = context[-n:] + continuation
 *   2) whole = encode(context + continuation), ctx = encode(context)
 *   3) request = (prefix + ctx, whole[len(ctx):])
 *   an empty context (before or after step 1): (prefix, encode(continuation)), where prefix is the
 *   tokenizer's special prefix or, without one, its end-of-document token
 * rolling text, as get_rolling_token_windows(context_len=1) + make_disjoint_window:
 *   tokens = encode(text); the first window predicts tokens[0:L] from the prefix, each next one the
 *   next L tokens (fewer at the end) from the L tokens before them, L = the scorer's maxLength
 * </pre>
 *
 * Texts are encoded without special tokens, in batches. Not thread-safe (one per evaluation).
 */
final class RequestEncoder {
  private static final int BATCH = 1024;

  private final Tokenizer tokenizer;
  private final int[] prefix;
  private final int[] emptyContext;

  RequestEncoder(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
    this.prefix = tokenizer.specialPrefix().stream().mapToInt(Integer::intValue).toArray();
    OptionalInt eod = tokenizer.endOfDocumentId();
    this.emptyContext = prefix.length > 0 ? prefix : eod.isPresent() ? new int[] {eod.getAsInt()} : null;
  }

  /** The context of a request without context text, and the first window's of a rolling text. */
  int[] emptyContext() {
    if (emptyContext == null) {
      throw new TaskException("the tokenizer has neither a special prefix (BOS) nor an end-of-document token ("
          + String.join(", ", Tokenizer.END_OF_DOCUMENT_TOKENS) + ") to stand for an empty context");
    }
    return emptyContext;
  }

  /**
   * One request per (context, continuation) pair, in order; {@code labels} name each pair in
   * errors.
   *
   * @throws TaskException when a continuation encodes to no tokens
   */
  List<LoglikelihoodRequest> pairs(List<String> contexts, List<String> continuations, List<String> labels) {
    int n = contexts.size();
    String[] ctx = new String[n];
    String[] cont = new String[n];
    Set<String> texts = new LinkedHashSet<>();
    for (int i = 0; i < n; i++) {
      String c = contexts.get(i);
      int keep = c.length();
      while (keep > 0 && isSpace(c.charAt(keep - 1))) {
        keep--;
      }
      ctx[i] = c.substring(0, keep);
      cont[i] = c.substring(keep) + continuations.get(i);
      if (!ctx[i].isEmpty()) {
        texts.add(ctx[i]);
      }
      texts.add(ctx[i] + cont[i]);
    }
    Map<String, int[]> tokens = encode(texts);
    List<LoglikelihoodRequest> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int[] whole = tokens.get(ctx[i] + cont[i]);
      int[] context = ctx[i].isEmpty() ? new int[0] : tokens.get(ctx[i]);
      int[] continuation = Arrays.copyOfRange(whole, Math.min(context.length, whole.length), whole.length);
      if (continuation.length == 0) {
        throw new TaskException(labels.get(i) + ": the continuation '" + cont[i] + "' encodes to no tokens after "
            + "its context");
      }
      out.add(new LoglikelihoodRequest(withPrefix(context), continuation));
    }
    return out;
  }

  /** Each prompt's tokens after the special prefix ({@link #emptyContext()} for an empty prompt). */
  List<int[]> prompts(List<String> texts) {
    return encodeAll(texts).stream().map(this::withPrefix).toList();
  }

  /** The tokens of each text, without special tokens. */
  List<int[]> encodeAll(List<String> texts) {
    Map<String, int[]> tokens = encode(new LinkedHashSet<>(texts));
    return texts.stream().map(tokens::get).toList();
  }

  private Map<String, int[]> encode(Set<String> texts) {
    Map<String, int[]> out = new HashMap<>(texts.size() * 2);
    List<String> batch = new ArrayList<>(BATCH);
    for (String t : texts) {
      batch.add(t);
      if (batch.size() == BATCH) {
        flush(batch, out);
      }
    }
    flush(batch, out);
    return out;
  }

  private void flush(List<String> batch, Map<String, int[]> out) {
    if (batch.isEmpty()) {
      return;
    }
    List<int[]> enc = tokenizer.encodeBatch(batch);
    for (int i = 0; i < batch.size(); i++) {
      out.put(batch.get(i), enc.get(i));
    }
    batch.clear();
  }

  private int[] withPrefix(int[] context) {
    if (context.length == 0) {
      return emptyContext();
    }
    int[] out = Arrays.copyOf(prefix, prefix.length + context.length);
    System.arraycopy(context, 0, out, prefix.length, context.length);
    return out;
  }

  /**
   * The disjoint rolling windows of {@code tokens} as (context, continuation) pairs: the harness's
   * {@code get_rolling_token_windows(tokens, prefix, maxLength, context_len=1)}, each made disjoint.
   */
  static List<int[][]> rollingWindows(int[] tokens, int[] prefix, int maxLength) {
    List<int[][]> out = new ArrayList<>();
    int n = tokens.length;
    if (n == 0) {
      return out;
    }
    // 1) the first window predicts its first min(L, n) tokens from the prefix alone
    int first = Math.min(maxLength, n);
    out.add(new int[][] {prefix.clone(), Arrays.copyOfRange(tokens, 0, first)});
    // 2) each next window predicts up to L new tokens from the L tokens before its last one
    int predicted = first;
    while (predicted < n) {
      int length = Math.min(n - predicted, maxLength);
      int end = predicted + length;
      int[] input = Arrays.copyOfRange(tokens, end - maxLength - 1, end - 1);
      int[] target = Arrays.copyOfRange(tokens, end - length, end);
      // 3) make_disjoint_window: the context is the input before the first predicted token
      out.add(new int[][] {Arrays.copyOf(input, input.length - (target.length - 1)), target});
      predicted += length;
    }
    return out;
  }

  /** Python's str.isspace for one char. */
  static boolean isSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
  }
}
