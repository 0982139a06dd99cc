package io.cpt4j.tokenize;

import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * A Hugging Face tokenizer ({@code tokenizer.json}). Encoding neither truncates, pads nor adds
 * special tokens, so corpora tokenize exactly; add BOS/EOS where the pipeline needs them.
 *
 * <p>Thread-safety: encode and decode may be called from several threads. Close it to free the
 * native tokenizer.
 */
public interface Tokenizer extends AutoCloseable {

  /**
   * Loads a {@code tokenizer.json} (offline; nothing is downloaded).
   *
   * @throws io.cpt4j.checkpoint.CheckpointException if the file is missing or not a valid tokenizer
   */
  static Tokenizer open(Path tokenizerJson) {
    return Providers.format().openTokenizer(tokenizerJson);
  }

  /** Token ids of {@code text}. */
  int[] encode(String text);

  /** Token ids of each text, encoded in parallel by the native tokenizer. */
  List<int[]> encodeBatch(List<String> texts);

  /** The text of {@code ids}, with special tokens kept. */
  String decode(int[] ids);

  /** Number of tokens in the vocabulary, added tokens included. */
  int vocabSize();

  /** Id of a token string (e.g. {@code "<|endoftext|>"}), if it is in the vocabulary. */
  OptionalInt tokenId(String token);

  /** The usual end-of-document tokens, in the order {@link #endOfDocumentId()} tries them. */
  List<String> END_OF_DOCUMENT_TOKENS = List.of("<|endoftext|>", "</s>", "<eos>", "<|end_of_text|>");

  /** Id of the first of {@link #END_OF_DOCUMENT_TOKENS} in the vocabulary, if any. */
  default OptionalInt endOfDocumentId() {
    for (String t : END_OF_DOCUMENT_TOKENS) {
      OptionalInt id = tokenId(t);
      if (id.isPresent()) {
        return id;
      }
    }
    return OptionalInt.empty();
  }

  /**
   * A hash (hex SHA-256) of the {@code tokenizer.json} bytes: equal fingerprints encode equally.
   * Token shards store it to know when they must be rebuilt.
   */
  String fingerprint();

  @Override
  void close();
}
