package io.cpt4j.eval.internal.tasks;

import io.cpt4j.tokenize.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;

/**
 * A tokenizer with one token per UTF-8 byte (ids 0-255), so that token counts and splits can be
 * worked out by hand; {@code <s>} is 256 and {@code <|endoftext|>} 257. With {@code bos} it puts
 * {@code <s>} before a text, as Llama and Mistral tokenizers do.
 */
final class ByteTokenizer implements Tokenizer {
  static final int BOS = 256;
  static final int EOT = 257;

  private final boolean bos;

  ByteTokenizer(boolean bos) {
    this.bos = bos;
  }

  @Override
  public int[] encode(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    int[] out = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = b[i] & 0xFF;
    }
    return out;
  }

  @Override
  public List<Integer> specialPrefix() {
    return bos ? List.of(BOS) : List.of();
  }

  @Override
  public List<int[]> encodeBatch(List<String> texts) {
    return texts.stream().map(this::encode).toList();
  }

  @Override
  public String decode(int[] ids) {
    return decode(ids, false);
  }

  /** The bytes as UTF-8, each run of bytes decoded alone, special tokens written as their text or left out. */
  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    StringBuilder out = new StringBuilder();
    byte[] b = new byte[ids.length];
    int n = 0;
    for (int id : ids) {
      if (id == BOS || id == EOT) {
        out.append(new String(b, 0, n, StandardCharsets.UTF_8));
        n = 0;
        out.append(skipSpecialTokens ? "" : id == BOS ? "<s>" : "<|endoftext|>");
      } else {
        b[n++] = (byte) id;
      }
    }
    return out.append(new String(b, 0, n, StandardCharsets.UTF_8)).toString();
  }

  @Override
  public int vocabSize() {
    return 258;
  }

  @Override
  public OptionalInt tokenId(String token) {
    return token.equals("<|endoftext|>") ? OptionalInt.of(EOT) : token.equals("<s>") ? OptionalInt.of(BOS)
        : OptionalInt.empty();
  }

  @Override
  public String fingerprint() {
    return "bytes";
  }

  @Override
  public void close() {}
}
