package io.cpt4j.tokenize.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.IntPredicate;

/**
 * Weighted BPE merge learning (the algorithm of HF's {@code BpeTrainer}), from any starting point:
 * words are symbol-id arrays weighted by their corpus frequency, over a vocabulary given as token
 * strings by id. Training from scratch starts from the 256 bytes ({@link ByteLevelBpeTrainer});
 * vocabulary extension starts from the base tokenizer's tokenization of each word.
 *
 * <p>Every adjacent pair keeps its weighted count and the words it occurs in; a merge rewrites only
 * those words and adjusts the counts of the pairs around each occurrence. A max-heap holds (count,
 * pair) candidates lazily: counts of existing pairs only fall, so a popped candidate whose count is
 * stale is pushed back with the current count, and one whose count is current is the true maximum.
 * Ties: smallest first token string, then second ({@link String#compareTo}). Not thread-safe: one
 * learner, one thread.
 */
public final class MergeLearner {

  /** Counts and word positions of one adjacent pair. */
  private static final class Pair {
    long count;
    int[] words = new int[2];
    int size;

    void addWord(int w) {
      if (size > 0 && words[size - 1] == w) {
        return;
      }
      if (size == words.length) {
        words = Arrays.copyOf(words, size * 2);
      }
      words[size++] = w;
    }
  }

  private record Candidate(long pair, long count) {}

  private final List<String> tokens;
  private final Map<String, Integer> tokenIds = new HashMap<>();
  private final IntPredicate mergeable;
  private final int initialTokens;
  private final boolean reuseTokens;
  private final List<int[]> merges = new ArrayList<>();
  private final List<Long> mergeCounts = new ArrayList<>();
  private final Map<Long, Pair> pairs = new HashMap<>();
  private final List<Long> grown = new ArrayList<>();
  private final int[][] words;
  private final long[] freq;
  private long stoppedAt;

  /**
   * A learner over {@code words} (symbol ids, rewritten in place) weighted by {@code freq}.
   *
   * @param tokens the token string of each id (null for an id no word uses); new tokens get the
   *     next ids
   * @param mergeable which of the given ids may take part in a merge (others stay as they are; new
   *     tokens always may)
   * @param reuseTokens whether a merge may spell a token already in the vocabulary (HF training
   *     reuses its id); if not, such pairs are never merged, so every merge makes a new token
   */
  public MergeLearner(List<String> tokens, int[][] words, long[] freq, IntPredicate mergeable, boolean reuseTokens) {
    this.tokens = new ArrayList<>(tokens);
    for (int i = 0; i < tokens.size(); i++) {
      if (tokens.get(i) != null) {
        tokenIds.putIfAbsent(tokens.get(i), i);
      }
    }
    this.words = words;
    this.freq = freq;
    this.mergeable = mergeable;
    this.initialTokens = tokens.size();
    this.reuseTokens = reuseTokens;
    for (int w = 0; w < words.length; w++) {
      int[] sym = words[w];
      for (int i = 0; i + 1 < sym.length; i++) {
        adjust(sym[i], sym[i + 1], freq[w], w);
      }
    }
    grown.clear();
  }

  /** The vocabulary now: the given tokens, then one per new token in the order learned. */
  public List<String> tokens() {
    return tokens;
  }

  /** The merges learned, in order, as pairs of ids. */
  public List<int[]> merges() {
    return merges;
  }

  /** How often each merge applied in the corpus when it was learned, in merge order. */
  public List<Long> mergeCounts() {
    return mergeCounts;
  }

  /** The count of the best pair left when learning stopped below the minimum frequency, else 0. */
  public long stoppedAt() {
    return stoppedAt;
  }

  private static long key(int a, int b) {
    return ((long) a << 32) | (b & 0xffffffffL);
  }

  private int compare(Candidate x, Candidate y) {
    int c = Long.compare(y.count, x.count);
    if (c == 0) {
      c = tokens.get((int) (x.pair >>> 32)).compareTo(tokens.get((int) (y.pair >>> 32)));
    }
    if (c == 0) {
      c = tokens.get((int) x.pair).compareTo(tokens.get((int) y.pair));
    }
    return c;
  }

  /**
   * Merges until {@code newTokens} tokens were added or no pair occurs {@code minFrequency} times.
   *
   * @return the number of tokens added
   */
  public int learn(int newTokens, int minFrequency) {
    int start = tokens.size();
    PriorityQueue<Candidate> heap = new PriorityQueue<>(this::compare);
    pairs.forEach((k, p) -> heap.add(new Candidate(k, p.count)));
    while (tokens.size() - start < newTokens && !heap.isEmpty()) {
      Candidate top = heap.poll();
      Pair p = pairs.get(top.pair);
      long actual = p == null ? 0 : p.count;
      if (actual != top.count) {
        if (actual > 0) {
          heap.add(new Candidate(top.pair, actual));
        }
        continue;
      }
      if (actual < minFrequency) {
        stoppedAt = actual;
        break;
      }
      int a = (int) (top.pair >>> 32);
      int b = (int) top.pair;
      String merged = tokens.get(a) + tokens.get(b);
      Integer id = tokenIds.get(merged); // two merges may spell one token: HF reuses its id
      if (id != null && !reuseTokens) {
        continue; // dropped: when its count grows again it comes back and is dropped again
      }
      if (id == null) {
        id = tokens.size();
        tokens.add(merged);
        tokenIds.put(merged, id);
      }
      merges.add(new int[] {a, b});
      mergeCounts.add(actual);
      apply(a, b, id, p);
      pairs.remove(top.pair);
      for (long k : grown) {
        Pair g = pairs.get(k);
        if (g != null && g.count > 0) {
          heap.add(new Candidate(k, g.count));
        }
      }
      grown.clear();
    }
    return tokens.size() - start;
  }

  /** Rewrites every word holding (a, b) with {@code n}, adjusting the neighbouring pair counts. */
  private void apply(int a, int b, int n, Pair ab) {
    int[] where = ab.words;
    int size = ab.size;
    for (int j = 0; j < size; j++) {
      int w = where[j];
      int[] sym = words[w];
      if (!contains(sym, a, b)) {
        continue; // a stale position: the pair left this word through an earlier merge
      }
      long f = freq[w];
      int[] out = new int[sym.length];
      int o = 0;
      for (int i = 0; i < sym.length; ) {
        if (i + 1 < sym.length && sym[i] == a && sym[i + 1] == b) {
          if (o > 0) {
            adjust(out[o - 1], a, -f, w);
            adjust(out[o - 1], n, f, w);
          }
          if (i + 2 < sym.length) {
            adjust(b, sym[i + 2], -f, w);
            adjust(n, sym[i + 2], f, w);
          }
          out[o++] = n;
          i += 2;
        } else {
          out[o++] = sym[i++];
        }
      }
      words[w] = Arrays.copyOf(out, o);
    }
  }

  private static boolean contains(int[] sym, int a, int b) {
    for (int i = 0; i + 1 < sym.length; i++) {
      if (sym[i] == a && sym[i + 1] == b) {
        return true;
      }
    }
    return false;
  }

  private void adjust(int x, int y, long delta, int w) {
    if ((x < initialTokens && !mergeable.test(x)) || (y < initialTokens && !mergeable.test(y))) {
      return;
    }
    long k = key(x, y);
    Pair p = pairs.get(k);
    if (p == null) {
      p = new Pair();
      pairs.put(k, p);
    }
    p.count += delta;
    if (delta > 0) {
      p.addWord(w);
      grown.add(k);
    }
  }
}
