package io.cpt4j.spark;

import java.io.Serializable;

/**
 * Gopher-style quality heuristics (Rae et al. 2021, "Scaling Language Models", appendix A), each a
 * named threshold whose drops {@link PrepareReport} counts under the name. A document is dropped for
 * the first rule it fails, in the order of the components. Words are runs of non-whitespace; lines
 * are split at {@code \n}. Immutable and thread-safe.
 *
 * @param minWords {@code too_few_words} below this many words (Gopher: 50)
 * @param maxWords {@code too_many_words} above this many words (Gopher: 100,000)
 * @param minMeanWordLength {@code mean_word_length} below this mean characters per word (Gopher: 3)
 * @param maxMeanWordLength {@code mean_word_length} above this (Gopher: 10)
 * @param maxSymbolWordRatio {@code symbol_word_ratio}: {@code #} and ellipses ({@code ...}, {@code
 *     …}) per word above this (Gopher: 0.1)
 * @param minAlphaWordFraction {@code alpha_word_fraction}: fraction of words holding a letter below
 *     this (Gopher: 0.8)
 * @param maxDuplicateLineFraction {@code duplicate_lines}: fraction of non-empty lines that repeat an
 *     earlier line above this (Gopher: 0.3)
 */
public record QualityFilters(int minWords, int maxWords, double minMeanWordLength, double maxMeanWordLength,
    double maxSymbolWordRatio, double minAlphaWordFraction, double maxDuplicateLineFraction) implements Serializable {

  /** The rule names, in the order they are checked. */
  public static final String[] RULES = {"too_few_words", "too_many_words", "mean_word_length", "symbol_word_ratio",
      "alpha_word_fraction", "duplicate_lines"};

  public QualityFilters {
    if (minWords < 0 || maxWords < minWords) {
      throw new IllegalArgumentException("word bounds must satisfy 0 <= minWords <= maxWords, got " + minWords + ", "
          + maxWords);
    }
    if (minMeanWordLength > maxMeanWordLength) {
      throw new IllegalArgumentException("minMeanWordLength " + minMeanWordLength + " exceeds maxMeanWordLength "
          + maxMeanWordLength);
    }
  }

  /** Gopher's thresholds: 50–100,000 words, mean word length 3–10, symbols 0.1, alpha 0.8, duplicate lines 0.3. */
  public static QualityFilters gopher() {
    return new QualityFilters(50, 100_000, 3, 10, 0.1, 0.8, 0.3);
  }

  public QualityFilters withMinWords(int n) {
    return new QualityFilters(n, maxWords, minMeanWordLength, maxMeanWordLength, maxSymbolWordRatio,
        minAlphaWordFraction, maxDuplicateLineFraction);
  }
}
