package io.cpt4j.quickstart;

import io.cpt4j.tokenize.BpeTrainer;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a small but complete byte-level BPE {@code tokenizer.json} (GPT-2's byte alphabet, a few
 * English merges, {@code <|endoftext|>}) for the demo checkpoints. Any UTF-8 text round-trips.
 */
final class DemoTokenizer {
  private DemoTokenizer() {}

  /** Merges applied in this order; each result is a vocabulary entry after the 256 bytes. */
  private static final String[][] MERGES = {
    {"Ġ", "t"}, {"h", "e"}, {"i", "n"}, {"e", "r"}, {"a", "n"}, {"Ġt", "he"}
  };

  public static final String EOS = "<|endoftext|>";

  /** Token count: 256 bytes, the merges and the end-of-text token. */
  public static int vocabSize() {
    return 256 + MERGES.length + 1;
  }

  /** Writes the tokenizer (through {@link BpeTrainer#fromMerges}, the SDK's own tokenizer.json writer). */
  public static void write(Path file) {
    BpeTrainer.vocabSize(vocabSize()).specialTokens(List.of(EOS)).fromMerges(
        java.util.Arrays.stream(MERGES).map(List::of).toList(), file);
  }
}
