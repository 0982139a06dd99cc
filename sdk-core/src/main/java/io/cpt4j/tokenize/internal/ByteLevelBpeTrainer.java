package io.cpt4j.tokenize.internal;

import io.cpt4j.tokenize.BpeTrainer;
import io.cpt4j.tokenize.TrainedTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * GPT-2 style byte-level BPE training (the algorithm of HF's {@code BpeTrainer}).
 *
 * <p>Words are symbol-id arrays weighted by their corpus frequency. Every adjacent pair keeps its
 * weighted count and the words it occurs in; a merge rewrites only those words and adjusts the counts
 * of the pairs around each occurrence. A max-heap holds (count, pair) candidates lazily: counts of
 * existing pairs only fall, so a popped candidate whose count is stale is pushed back with the
 * current count, and one whose count is current is the true maximum. Ties: smallest first token
 * string, then second ({@link String#compareTo}).
 */
public final class ByteLevelBpeTrainer {
  private ByteLevelBpeTrainer() {}

  /** GPT-2's {@code bytes_to_unicode}: printable Latin-1 bytes stand for themselves, others 256+n. */
  static final char[] BYTE_SYMBOLS = byteSymbols();

  private static char[] byteSymbols() {
    char[] map = new char[256];
    int n = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      map[b] = printable ? (char) b : (char) (256 + n++);
    }
    return map;
  }

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
        words = java.util.Arrays.copyOf(words, size * 2);
      }
      words[size++] = w;
    }
  }

  private record Candidate(long pair, long count) {}

  private final List<String> tokens = new ArrayList<>();
  private final Map<String, Integer> tokenIds = new HashMap<>();
  private final List<int[]> merges = new ArrayList<>();
  private final Map<Long, Pair> pairs = new HashMap<>();
  private final List<Long> grown = new ArrayList<>();
  private int[][] words;
  private long[] freq;

  public static TrainedTokenizer train(BpeTrainer options, Iterable<String> texts, Path file) {
    WordCounts counted = WordCounts.count(texts, options.specialTokens(), options.threads());
    if (counted.counts.isEmpty()) {
      throw new IllegalArgumentException(
          "the corpus is empty: the texts hold no characters besides special tokens, nothing to learn merges from");
    }
    ByteLevelBpeTrainer t = new ByteLevelBpeTrainer();
    t.load(counted.counts);
    t.learn(options.vocabSize() - options.specialTokens().size(), options.minFrequency());
    t.write(file, options.specialTokens());
    return new TrainedTokenizer(file, t.tokens.size() + options.specialTokens().size(), t.merges.size(),
        counted.corpusBytes, counted.counts.size());
  }

  private static long key(int a, int b) {
    return ((long) a << 32) | (b & 0xffffffffL);
  }

  private void load(Map<String, long[]> counts) {
    for (int b = 0; b < 256; b++) {
      String s = String.valueOf(BYTE_SYMBOLS[b]);
      tokens.add(s);
      tokenIds.put(s, b);
    }
    words = new int[counts.size()][];
    freq = new long[counts.size()];
    int w = 0;
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
      int[] sym = new int[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        sym[i] = bytes[i] & 0xff;
      }
      words[w] = sym;
      freq[w] = e.getValue()[0];
      for (int i = 0; i + 1 < sym.length; i++) {
        Pair p = pairs.computeIfAbsent(key(sym[i], sym[i + 1]), k -> new Pair());
        p.count += freq[w];
        p.addWord(w);
      }
      w++;
    }
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

  /** Merges until {@code tokenTarget} tokens (bytes and merged) exist or no pair is frequent enough. */
  private void learn(int tokenTarget, int minFrequency) {
    PriorityQueue<Candidate> heap = new PriorityQueue<>(this::compare);
    pairs.forEach((k, p) -> heap.add(new Candidate(k, p.count)));
    while (tokens.size() < tokenTarget && !heap.isEmpty()) {
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
        break;
      }
      int a = (int) (top.pair >>> 32);
      int b = (int) top.pair;
      String merged = tokens.get(a) + tokens.get(b);
      Integer id = tokenIds.get(merged); // two merges may spell one token: HF reuses its id
      if (id == null) {
        id = tokens.size();
        tokens.add(merged);
        tokenIds.put(merged, id);
      }
      merges.add(new int[] {a, b});
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
      words[w] = java.util.Arrays.copyOf(out, o);
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

  /** Writes the learned vocabulary as {@link ByteLevelBpeFile} lays it out. */
  private void write(Path file, List<String> specialTokens) {
    List<String[]> named = new ArrayList<>(merges.size());
    for (int[] m : merges) {
      named.add(new String[] {tokens.get(m[0]), tokens.get(m[1])});
    }
    ByteLevelBpeFile.write(file, tokens, named, specialTokens);
  }
}
