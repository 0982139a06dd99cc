package io.cpt4j.vocab;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link VocabularyExtension} wrote. Immutable and thread-safe.
 *
 * @param output the extended checkpoint
 * @param requested the tokens asked for
 * @param newTokens the tokens added, in the order learned (merge order), ids ascending
 * @param stoppedAtCount when fewer than {@code requested} were added: how often the most frequent
 *     remaining pair occurs (below the minimum frequency); else 0
 * @param vocabularyBefore token ids of the base tokenizer (largest id + 1, added tokens included)
 * @param vocabularyAfter token ids of the new tokenizer
 * @param rowsBefore embedding rows ({@code vocab_size}) of the base
 * @param rowsAfter embedding rows of the output
 * @param corpusBytes UTF-8 bytes of the corpus
 * @param tokensBefore tokens the base tokenizer makes of the corpus (no special tokens added)
 * @param tokensAfter tokens the new tokenizer makes of it
 * @param elapsed wall time of the whole extension
 */
public record VocabularyReport(Path output, int requested, List<NewToken> newTokens, long stoppedAtCount,
    int vocabularyBefore, int vocabularyAfter, int rowsBefore, int rowsAfter, long corpusBytes, long tokensBefore,
    long tokensAfter, Duration elapsed) {

  /**
   * One added token.
   *
   * @param id its id (and embedding row)
   * @param token its string in the tokenizer's alphabet (e.g. {@code "ĠgetName"} or {@code "▁então"})
   * @param oldIds the base tokenizer's tokens it stands for, whose rows' mean initialised its rows
   * @param count how often its merge applied in the corpus when it was learned
   */
  public record NewToken(int id, String token, List<Integer> oldIds, long count) {
    public NewToken {
      Objects.requireNonNull(token, "token");
      oldIds = List.copyOf(oldIds);
    }
  }

  public VocabularyReport {
    Objects.requireNonNull(output, "output");
    newTokens = List.copyOf(newTokens);
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /** Number of tokens added (each by one new merge). */
  public int tokensAdded() {
    return newTokens.size();
  }

  /** Tokens per byte of the corpus with the base tokenizer. */
  public double tokensPerByteBefore() {
    return corpusBytes == 0 ? 0 : (double) tokensBefore / corpusBytes;
  }

  /** Tokens per byte of the corpus with the new tokenizer. */
  public double tokensPerByteAfter() {
    return corpusBytes == 0 ? 0 : (double) tokensAfter / corpusBytes;
  }

  /** A few lines: what was added, the vocabulary and rows, tokens per byte before and after. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append("added ").append(tokensAdded()).append(" tokens (").append(tokensAdded()).append(" merges)");
    if (tokensAdded() < requested) {
      sb.append(" of ").append(requested).append(" asked: the most frequent remaining pair occurs ")
          .append(stoppedAtCount).append(" times, below the minimum frequency");
    }
    sb.append("\nvocabulary ").append(vocabularyBefore).append(" -> ").append(vocabularyAfter)
        .append(" ids, embedding rows ").append(rowsBefore).append(" -> ").append(rowsAfter);
    sb.append(String.format("%ntokens per byte on the corpus (%,d bytes): %.4f -> %.4f (%+.1f%% tokens)",
        corpusBytes, tokensPerByteBefore(), tokensPerByteAfter(),
        tokensBefore == 0 ? 0.0 : 100.0 * (tokensAfter - tokensBefore) / tokensBefore));
    sb.append("\nwrote ").append(output).append(" in ").append(String.format("%.1f s", elapsed.toMillis() / 1000.0));
    return sb.toString();
  }
}
