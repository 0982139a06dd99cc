package io.cpt4j.tokenize;

import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Options for training a GPT-2 style byte-level BPE tokenizer from text, written as a Hugging Face
 * {@code tokenizer.json} that {@link Tokenizer#open} loads.
 *
 * <pre>{@code
 * TrainedTokenizer t = BpeTrainer.vocabSize(8192).train(texts, dir.resolve("tokenizer.json"));
 * }</pre>
 *
 * <p>Training splits each text on the special tokens, pre-tokenizes the rest with the GPT-2 regex of
 * HF's {@code ByteLevel} pre-tokenizer, counts the distinct words, and then repeatedly merges the most
 * frequent adjacent pair of symbols (weighted by word frequency). Ties go to the pair whose first
 * token string, then second, is smallest in {@link String#compareTo} order, so training is
 * deterministic: the same texts and options give a byte-identical file. Ids: bytes {@code 0..255}
 * (byte {@code b} has id {@code b}), then one id per merge in merge order, then the special tokens in
 * the given order (as GPT-2 puts {@code <|endoftext|>} last).
 *
 * <p>Defaults: special tokens {@code [<|endoftext|>]}, {@code minFrequency} 2, {@code threads} the
 * number of available processors (used only to pre-tokenize and count; merging is sequential).
 *
 * <p>Immutable and thread-safe; each option method returns a modified copy. {@code train} may run
 * on several threads at once (each call trains independently).
 *
 * @param vocabSize tokens in the result: the 256 byte tokens, the merges and the special tokens
 * @param specialTokens added tokens (special, not normalized), never split and never merged into
 * @param minFrequency training stops early when the most frequent pair occurs fewer times than this
 * @param threads threads used to pre-tokenize and count words
 */
public record BpeTrainer(int vocabSize, List<String> specialTokens, int minFrequency, int threads) {

  /** Number of byte tokens every byte-level vocabulary starts with. */
  public static final int BYTE_TOKENS = 256;

  public static final String END_OF_TEXT = "<|endoftext|>";

  public BpeTrainer {
    Objects.requireNonNull(specialTokens, "specialTokens");
    specialTokens = List.copyOf(specialTokens);
    if (new HashSet<>(specialTokens).size() != specialTokens.size()) {
      throw new IllegalArgumentException("specialTokens must be distinct, got " + specialTokens);
    }
    for (String s : specialTokens) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("specialTokens must not contain an empty string");
      }
    }
    int least = BYTE_TOKENS + specialTokens.size();
    if (vocabSize < least) {
      throw new IllegalArgumentException("vocabSize must be at least " + least + " (256 bytes + "
          + specialTokens.size() + " special tokens), got " + vocabSize);
    }
    if (minFrequency < 1) {
      throw new IllegalArgumentException("minFrequency must be at least 1, got " + minFrequency);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
  }

  /** Options for a vocabulary of {@code vocabSize} tokens, with every other option at its default. */
  public static BpeTrainer vocabSize(int vocabSize) {
    return new BpeTrainer(
        vocabSize, List.of(END_OF_TEXT), 2, Math.max(1, Runtime.getRuntime().availableProcessors()));
  }

  /** A copy with these special tokens (replacing the default {@code <|endoftext|>}). */
  public BpeTrainer specialTokens(List<String> tokens) {
    return new BpeTrainer(vocabSize, tokens, minFrequency, threads);
  }

  /** A copy that stops merging once the best pair occurs fewer than {@code count} times. */
  public BpeTrainer minFrequency(int count) {
    return new BpeTrainer(vocabSize, specialTokens, count, threads);
  }

  /** A copy that pre-tokenizes with {@code count} threads. */
  public BpeTrainer threads(int count) {
    return new BpeTrainer(vocabSize, specialTokens, minFrequency, count);
  }

  /** Number of merges needed to reach {@link #vocabSize()} if no merge repeats a token. */
  public int mergeBudget() {
    return vocabSize - BYTE_TOKENS - specialTokens.size();
  }

  /**
   * Trains on {@code texts} (read once, in order) and writes {@code tokenizerJson} atomically (a
   * temporary sibling renamed over it).
   *
   * @throws IllegalArgumentException if the texts hold no trainable characters
   * @throws io.cpt4j.checkpoint.CheckpointException if the file cannot be written
   */
  public TrainedTokenizer train(Iterable<String> texts, Path tokenizerJson) {
    Objects.requireNonNull(texts, "texts");
    Objects.requireNonNull(tokenizerJson, "tokenizerJson");
    return Providers.tokenizer().trainBpe(this, texts, tokenizerJson);
  }

  /** {@link #train(Iterable, Path)} over a stream, consumed on the calling thread. */
  public TrainedTokenizer train(Stream<String> texts, Path tokenizerJson) {
    Objects.requireNonNull(texts, "texts");
    return train((Iterable<String>) texts::iterator, tokenizerJson);
  }

  /**
   * Writes the tokenizer that {@code merges} define, without training: the same {@code
   * tokenizer.json} layout as {@link #train}, its tokens the 256 bytes, then each merge's result in
   * order, then the {@link #specialTokens()}. Merges are pairs of tokens in GPT-2's byte symbols
   * ({@code "Ġ"} for a space), each made of bytes or earlier merges, e.g. {@code [["Ġ", "t"], ["h",
   * "e"], ["Ġt", "he"]]}. For small fixed vocabularies (demos, tests) and for reproducing a known
   * merge list. The result has {@code corpusBytes} and {@code distinctWords} 0.
   *
   * @throws IllegalArgumentException if a merge is not two tokens or names a token not yet in the
   *     vocabulary, or the result's size differs from {@link #vocabSize()}
   * @throws io.cpt4j.checkpoint.CheckpointException if the file cannot be written
   */
  public TrainedTokenizer fromMerges(List<List<String>> merges, Path tokenizerJson) {
    Objects.requireNonNull(merges, "merges");
    Objects.requireNonNull(tokenizerJson, "tokenizerJson");
    return Providers.tokenizer().writeBpe(this, merges, tokenizerJson);
  }
}
