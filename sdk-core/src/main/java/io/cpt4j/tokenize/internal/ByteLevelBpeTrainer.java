package io.cpt4j.tokenize.internal;

import io.cpt4j.tokenize.BpeTrainer;
import io.cpt4j.tokenize.TrainedTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * GPT-2 style byte-level BPE training (the algorithm of HF's {@code BpeTrainer}): the corpus's words
 * as byte sequences, merged by a {@link MergeLearner} that starts from the 256 byte tokens. Stateless.
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

  /** {@code bytes} in GPT-2's byte symbols, one char a byte. */
  public static String byteSymbols(byte[] bytes) {
    char[] out = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = BYTE_SYMBOLS[bytes[i] & 0xff];
    }
    return new String(out);
  }

  public static TrainedTokenizer train(BpeTrainer options, Iterable<String> texts, Path file) {
    WordCounts counted = WordCounts.count(texts, options.specialTokens(), options.threads());
    if (counted.counts.isEmpty()) {
      throw new IllegalArgumentException(
          "the corpus is empty: the texts hold no characters besides special tokens, nothing to learn merges from");
    }
    List<String> bytes = new ArrayList<>();
    for (char c : BYTE_SYMBOLS) {
      bytes.add(String.valueOf(c));
    }
    int[][] words = new int[counted.counts.size()][];
    long[] freq = new long[words.length];
    int w = 0;
    for (Map.Entry<String, long[]> e : counted.counts.entrySet()) {
      byte[] utf8 = e.getKey().getBytes(StandardCharsets.UTF_8);
      int[] sym = new int[utf8.length];
      for (int i = 0; i < utf8.length; i++) {
        sym[i] = utf8[i] & 0xff;
      }
      words[w] = sym;
      freq[w++] = e.getValue()[0];
    }
    MergeLearner learner = new MergeLearner(bytes, words, freq, id -> true, true);
    learner.learn(options.vocabSize() - options.specialTokens().size() - bytes.size(), options.minFrequency());
    List<String> tokens = learner.tokens();
    List<String[]> named = new ArrayList<>(learner.merges().size());
    for (int[] m : learner.merges()) {
      named.add(new String[] {tokens.get(m[0]), tokens.get(m[1])});
    }
    ByteLevelBpeFile.write(file, tokens, named, options.specialTokens());
    return new TrainedTokenizer(file, tokens.size() + options.specialTokens().size(), named.size(),
        counted.corpusBytes, counted.counts.size());
  }
}
