package io.cpt4j.tokenize.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pre-tokenized words of a corpus and how often each occurs: texts are split on the special tokens
 * (which are never counted), then each piece into words by a {@link Splitter} (by default the GPT-2
 * regex of HF's {@code ByteLevel} pre-tokenizer). Counting runs on a small pool in batches; the
 * caller's iterable is read on the calling thread.
 */
public final class WordCounts {
  /** Splits the text between two special tokens into words. Must be thread-safe. */
  @FunctionalInterface
  public interface Splitter {
    /**
     * Passes each word of {@code piece} to {@code word}.
     *
     * @param atStart whether the piece begins its text (no special token before it)
     */
    void split(String piece, boolean atStart, java.util.function.Consumer<String> word);
  }

  private static final Splitter GPT2 = (piece, atStart, word) -> {
    Matcher m = WordCounts.GPT2_SPLIT.matcher(piece);
    while (m.find()) {
      word.accept(m.group());
    }
  };

  /**
   * GPT-2's split, as HF's ByteLevel pre-tokenizer runs it (Oniguruma, where {@code \s} is Unicode
   * white space; hence {@link Pattern#UNICODE_CHARACTER_CLASS}).
   */
  public static final Pattern GPT2_SPLIT = Pattern.compile(
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
      Pattern.UNICODE_CHARACTER_CLASS);

  private static final int BATCH_CHARS = 1 << 20;

  final Map<String, long[]> counts;
  /** UTF-8 bytes of the words (the text's when the splitter keeps the text's characters). */
  final long corpusBytes;

  private WordCounts(Map<String, long[]> counts) {
    this.counts = counts;
    long bytes = 0;
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      bytes += (long) e.getKey().getBytes(StandardCharsets.UTF_8).length * e.getValue()[0];
    }
    this.corpusBytes = bytes;
  }

  /** Each distinct word and its count ({@code long[1]}), in no particular order. */
  public Map<String, long[]> counts() {
    return counts;
  }

  static WordCounts count(Iterable<String> texts, List<String> specialTokens, int threads) {
    return count(texts, specialTokens, threads, GPT2);
  }

  /** Counts the words {@code splitter} makes of the texts, split on {@code specialTokens} first. */
  public static WordCounts count(Iterable<String> texts, List<String> specialTokens, int threads, Splitter splitter) {
    Pattern specials = specialsPattern(specialTokens);
    if (threads == 1) {
      Map<String, long[]> counts = new HashMap<>();
      for (String text : texts) {
        countInto(counts, text, specials, splitter);
      }
      return new WordCounts(counts);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "cpt4j-bpe-count");
      t.setDaemon(true);
      return t;
    });
    try {
      Map<String, long[]> total = new HashMap<>();
      Deque<Future<Map<String, long[]>>> inFlight = new ArrayDeque<>();
      List<String> batch = new ArrayList<>();
      long chars = 0;
      for (String text : texts) {
        batch.add(text);
        chars += text.length();
        if (chars >= BATCH_CHARS) {
          inFlight.add(submit(pool, batch, specials, splitter));
          batch = new ArrayList<>();
          chars = 0;
          while (inFlight.size() > 2 * threads) {
            mergeInto(total, join(inFlight.poll()));
          }
        }
      }
      if (!batch.isEmpty()) {
        inFlight.add(submit(pool, batch, specials, splitter));
      }
      while (!inFlight.isEmpty()) {
        mergeInto(total, join(inFlight.poll()));
      }
      return new WordCounts(total);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Future<Map<String, long[]>> submit(ExecutorService pool, List<String> batch, Pattern specials,
      Splitter splitter) {
    return pool.submit(() -> {
      Map<String, long[]> counts = new HashMap<>();
      for (String text : batch) {
        countInto(counts, text, specials, splitter);
      }
      return counts;
    });
  }

  private static Map<String, long[]> join(Future<Map<String, long[]>> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while counting words", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("counting words failed: " + e.getCause(), e.getCause());
    }
  }

  private static void mergeInto(Map<String, long[]> total, Map<String, long[]> part) {
    part.forEach((w, c) -> {
      long[] t = total.putIfAbsent(w, c);
      if (t != null) {
        t[0] += c[0];
      }
    });
  }

  /** Splits {@code text} around the special tokens and counts the words of the pieces. */
  static void countInto(Map<String, long[]> counts, String text, Pattern specials, Splitter splitter) {
    java.util.function.Consumer<String> count = w -> counts.computeIfAbsent(w, k -> new long[1])[0]++;
    if (specials == null) {
      splitter.split(text, true, count);
      return;
    }
    Matcher m = specials.matcher(text);
    int start = 0;
    while (m.find()) {
      if (m.start() > start) {
        splitter.split(text.substring(start, m.start()), start == 0, count);
      }
      start = m.end();
    }
    if (start < text.length()) {
      splitter.split(text.substring(start), start == 0, count);
    }
  }

  /** Longest special token first, so that one token inside another never splits it. */
  public static Pattern specialsPattern(List<String> specialTokens) {
    if (specialTokens.isEmpty()) {
      return null;
    }
    List<String> sorted = new ArrayList<>(specialTokens);
    sorted.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
    StringBuilder sb = new StringBuilder();
    for (String s : sorted) {
      sb.append(sb.isEmpty() ? "" : "|").append(Pattern.quote(s));
    }
    return Pattern.compile(sb.toString());
  }
}
