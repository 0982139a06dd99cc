package io.cpt4j.tokenize;

import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * A Hugging Face tokenizer ({@code tokenizer.json}). Encoding neither truncates nor pads. {@link
 * #encode(String)} adds no special tokens; {@link #encode(String, boolean)} adds those the
 * tokenizer's conventions add around a text, as transformers' {@code tokenizer(text)} does (BOS for
 * Llama 2/3, Mistral, TinyLlama; nothing for Qwen or GPT-NeoX): the {@code tokenizer.json}
 * post-processor's, as transformers 5.18 does (it ignores {@code tokenizer_config.json}'s {@code
 * add_bos_token}/{@code add_eos_token} when a tokenizer.json is present). {@link #specialPrefix()}
 * and {@link #specialSuffix()} say what that adds.
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
    return Providers.tokenizer().openTokenizer(tokenizerJson);
  }

  /** Token ids of {@code text}, without special tokens (transformers' {@code add_special_tokens=False}). */
  int[] encode(String text);

  /**
   * Token ids of {@code text} as transformers' {@code tokenizer(text, add_special_tokens=...)}
   * gives them: with {@code addSpecialTokens}, the tokenizer's {@link #specialPrefix()} before and
   * {@link #specialSuffix()} after; without, {@link #encode(String)}.
   */
  default int[] encode(String text, boolean addSpecialTokens) {
    int[] body = encode(text);
    if (!addSpecialTokens) {
      return body;
    }
    List<Integer> pre = specialPrefix();
    List<Integer> post = specialSuffix();
    int[] out = new int[pre.size() + body.length + post.size()];
    for (int i = 0; i < pre.size(); i++) {
      out[i] = pre.get(i);
    }
    System.arraycopy(body, 0, out, pre.size(), body.length);
    for (int i = 0; i < post.size(); i++) {
      out[pre.size() + body.length + i] = post.get(i);
    }
    return out;
  }

  /** The special tokens the tokenizer puts before a text (e.g. BOS), possibly none. */
  default List<Integer> specialPrefix() {
    return List.of();
  }

  /** The special tokens the tokenizer puts after a text (e.g. EOS with {@code add_eos_token}), possibly none. */
  default List<Integer> specialSuffix() {
    return List.of();
  }

  /** Token ids of each text, encoded in parallel by the native tokenizer. */
  List<int[]> encodeBatch(List<String> texts);

  /** The text of {@code ids}, with special tokens kept. */
  String decode(int[] ids);

  /**
   * The text of {@code ids}; with {@code skipSpecialTokens} the special (added) tokens are left out,
   * as transformers' {@code decode(ids, skip_special_tokens=True)}.
   */
  String decode(int[] ids, boolean skipSpecialTokens);

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
   * The end-of-document token of the model in {@code modelDir} (the one cpt4j appends to every
   * document when it packs training data): the first {@code eos_token_id} of its {@code
   * config.json}, else of its {@code generation_config.json}, else {@link #endOfDocumentId()}.
   *
   * @throws io.cpt4j.checkpoint.ConfigException if one of those files is not JSON or its {@code
   *     eos_token_id} is not an id or a list of ids
   */
  default OptionalInt endOfDocumentId(Path modelDir) {
    List<Integer> declared = Providers.format().declaredEosTokenIds(modelDir);
    return declared.isEmpty() ? endOfDocumentId() : OptionalInt.of(declared.getFirst());
  }

  /**
   * A hash (hex SHA-256) of the {@code tokenizer.json} bytes: equal fingerprints encode equally.
   * Token shards store it to know when they must be rebuilt.
   */
  String fingerprint();

  @Override
  void close();
}
