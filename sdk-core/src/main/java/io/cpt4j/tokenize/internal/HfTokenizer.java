package io.cpt4j.tokenize.internal;

import io.cpt4j.engine.internal.DjlSupport;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A {@code tokenizer.json} run by DJL's binding of the HF tokenizers library, with truncation and
 * padding off. The vocabulary (for {@link #vocabSize()} and {@link #tokenId}) is read from the same
 * JSON, which DJL does not expose. The special tokens added around a text are the post-processor's,
 * as in transformers 5.18, which drops {@code tokenizer_config.json}'s {@code add_bos_token} and
 * {@code add_eos_token} whenever a {@code tokenizer.json} is loaded (a tokenizer.json saved by
 * transformers 4 already carries them in its post-processor); no post-processor adds nothing.
 */
public final class HfTokenizer implements Tokenizer {
  private final HuggingFaceTokenizer native_;
  private final Map<String, Integer> vocab;
  private final int vocabSize;
  private final String fingerprint;
  private final List<Integer> prefix;
  private final List<Integer> suffix;

  private HfTokenizer(HuggingFaceTokenizer tokenizer, Map<String, Integer> vocab, String fingerprint) {
    this.native_ = tokenizer;
    this.vocab = vocab;
    this.fingerprint = fingerprint;
    this.vocabSize = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    // what the post-processor adds around a probe text (one that encodes to at least one token)
    int[] plain = encode(PROBE);
    int[] framed = nativeEncode(PROBE, true);
    int at = plain.length == 0 ? framed.length : indexOf(framed, plain);
    if (at < 0) {
      throw new CheckpointException(null, "the tokenizer's post-processor changes the text's own tokens, which"
          + " cpt4j cannot frame documents with");
    }
    prefix = boxed(framed, 0, at);
    suffix = boxed(framed, Math.min(framed.length, at + plain.length), framed.length);
  }

  private static final String PROBE = "Hello world";

  private static int indexOf(int[] outer, int[] inner) {
    for (int i = 0; i + inner.length <= outer.length; i++) {
      if (java.util.Arrays.equals(outer, i, i + inner.length, inner, 0, inner.length)) {
        return i;
      }
    }
    return -1;
  }

  private static List<Integer> boxed(int[] ids, int from, int to) {
    return java.util.Arrays.stream(ids, from, to).boxed().toList();
  }

  public static HfTokenizer open(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new CheckpointException(file, "no such tokenizer file");
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new CheckpointException(file, "tokenizer.json is not valid JSON: " + e.getMessage(), e);
    }
    Map<String, Integer> vocab = readVocab(file, root);
    String fingerprint;
    try {
      fingerprint = java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    DjlSupport.offline();
    HuggingFaceTokenizer t;
    try {
      t = HuggingFaceTokenizer.builder()
          .optTokenizerPath(file)
          .optAddSpecialTokens(false)
          .optTruncation(false)
          .optPadding(false)
          .build();
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException(file, "not a loadable tokenizer.json: " + e.getMessage(), e);
    }
    try {
      return new HfTokenizer(t, vocab, fingerprint);
    } catch (CheckpointException e) {
      t.close();
      throw new CheckpointException(file, e.getMessage(), e);
    }
  }

  private static Map<String, Integer> readVocab(Path file, JsonNode root) {
    Map<String, Integer> vocab = new HashMap<>();
    JsonNode v = root.path("model").path("vocab");
    if (v.isObject()) { // BPE, WordPiece, WordLevel
      Iterator<Map.Entry<String, JsonNode>> it = v.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        vocab.put(e.getKey(), e.getValue().asInt());
      }
    } else if (v.isArray()) { // Unigram: [[piece, score], ...], id = position
      for (int i = 0; i < v.size(); i++) {
        vocab.put(v.get(i).path(0).asText(), i);
      }
    }
    for (JsonNode t : root.path("added_tokens")) {
      vocab.put(t.path("content").asText(), t.path("id").asInt());
    }
    if (vocab.isEmpty()) {
      throw new CheckpointException(file, "tokenizer.json has no model.vocab");
    }
    return vocab;
  }

  @Override
  public String fingerprint() {
    return fingerprint;
  }

  /*
   * Encoding goes to the JNI library directly and fetches only the ids: DJL's Encoding also copies
   * every token string, char span, mask and type id into Java objects, which took about a third of
   * the CPU time of tokenizing a corpus, single-threaded on the calling thread.
   */

  @Override
  public int[] encode(String text) {
    return nativeEncode(text, false);
  }

  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    return nativeEncode(text, addSpecialTokens);
  }

  @Override
  public List<Integer> specialPrefix() {
    return prefix;
  }

  @Override
  public List<Integer> specialSuffix() {
    return suffix;
  }

  private int[] nativeEncode(String text, boolean addSpecialTokens) {
    Objects.requireNonNull(text, "text"); // a null would reach the native library
    long encoding = TokenizersLibrary.LIB.encode(native_.getHandle(), text, addSpecialTokens);
    try {
      return toInts(TokenizersLibrary.LIB.getTokenIds(encoding));
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
    }
  }

  /** Encoded by the native library's thread pool (Rust rayon: one thread per core). */
  @Override
  public List<int[]> encodeBatch(List<String> texts) {
    String[] array = texts.toArray(new String[0]);
    if (array.length == 0) {
      return new ArrayList<>();
    }
    for (int i = 0; i < array.length; i++) {
      if (array[i] == null) {
        throw new NullPointerException("texts[" + i + "] is null");
      }
    }
    long[] encodings = TokenizersLibrary.LIB.batchEncode(native_.getHandle(), array, false);
    List<int[]> out = new ArrayList<>(encodings.length);
    try {
      for (long e : encodings) {
        out.add(toInts(TokenizersLibrary.LIB.getTokenIds(e)));
      }
    } finally {
      for (long e : encodings) {
        TokenizersLibrary.LIB.deleteEncoding(e);
      }
    }
    return out;
  }

  private static int[] toInts(long[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }

  @Override
  public String decode(int[] ids) {
    return decode(ids, false);
  }

  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return native_.decode(l, skipSpecialTokens);
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  public OptionalInt tokenId(String token) {
    Integer id = vocab.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  @Override
  public void close() {
    native_.close();
  }
}
