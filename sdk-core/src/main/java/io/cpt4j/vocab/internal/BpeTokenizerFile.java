package io.cpt4j.vocab.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.vocab.VocabularyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A base {@code tokenizer.json} whose BPE model vocabulary extension continues: its vocabulary and
 * merges, its pre-tokenization ({@link PreTokenization}), the tokenization of a word with the
 * existing merges as HF's BPE model does it (initial symbols, byte fallback, then always the
 * lowest-ranked adjacent pair, leftmost first; {@code ignore_merges} honoured), and the file with
 * new tokens and merges appended. Supported: byte-level BPE ({@code ByteLevel} pre-tokenizer) and
 * SentencePiece-style BPE with byte fallback (spaces as {@code ▁}); anything else is a {@link
 * VocabularyException}. Not thread-safe to write; reads are safe.
 */
final class BpeTokenizerFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  final Path file;
  final PreTokenization preTokenization;
  /** Token string by id, added tokens included; null where no token has the id. */
  final List<String> tokens;
  /** Contents of the added tokens (split off before pre-tokenization). */
  final List<String> addedTokens;
  private final ObjectNode root;
  private final Map<String, Integer> vocab = new HashMap<>();
  private final Map<Long, long[]> merges = new HashMap<>(); // pair -> {rank, result id}
  private final boolean mergesAsStrings;
  private final boolean byteFallback;
  private final boolean ignoreMerges;
  private final boolean[] mergeable;

  private BpeTokenizerFile(Path file, ObjectNode root) {
    this.file = file;
    this.root = root;
    JsonNode model = root.path("model");
    String type = model.path("type").asText("");
    if (!type.equals("BPE")) {
      throw new VocabularyException(file + ": the tokenizer model is " + (type.isEmpty() ? "of no known type" : type)
          + "; vocabulary extension continues BPE merges and supports BPE tokenizers only (byte-level or "
          + "SentencePiece-style with byte fallback)");
    }
    for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
      if (!model.path(affix).asText("").isEmpty()) {
        throw new VocabularyException(file + ": a BPE model with a " + affix + " is not supported");
      }
    }
    byteFallback = model.path("byte_fallback").asBoolean(false);
    ignoreMerges = model.path("ignore_merges").asBoolean(false);
    preTokenization = new PreTokenization(root.get("normalizer"), root.get("pre_tokenizer"));
    if (!preTokenization.byteLevel() && !(byteFallback && preTokenization.spaceSymbol() != null)) {
      throw new VocabularyException(file + ": a BPE tokenizer without a ByteLevel pre-tokenizer must be "
          + "SentencePiece-style (byte_fallback and spaces as a symbol through Metaspace or a Replace normalizer); "
          + "this one has byte_fallback " + byteFallback + " and " + (preTokenization.spaceSymbol() == null
          ? "no space symbol" : "space symbol " + preTokenization.spaceSymbol()));
    }
    model.path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
    addedTokens = new ArrayList<>();
    int largest = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
    for (JsonNode a : root.path("added_tokens")) {
      addedTokens.add(a.path("content").asText());
      largest = Math.max(largest, a.path("id").asInt());
    }
    tokens = new ArrayList<>(java.util.Collections.nCopies(largest + 1, (String) null));
    vocab.forEach((t, id) -> tokens.set(id, t));
    for (JsonNode a : root.path("added_tokens")) {
      tokens.set(a.path("id").asInt(), a.path("content").asText());
    }
    JsonNode ms = model.path("merges");
    mergesAsStrings = ms.size() > 0 && ms.get(0).isTextual();
    for (int rank = 0; rank < ms.size(); rank++) {
      JsonNode m = ms.get(rank);
      String[] pair = m.isTextual() ? m.asText().split(" ", 2) : new String[] {m.path(0).asText(), m.path(1).asText()};
      Integer a = vocab.get(pair[0]);
      Integer b = pair.length == 2 ? vocab.get(pair[1]) : null;
      Integer result = b == null ? null : vocab.get(pair[0] + pair[1]);
      if (a == null || result == null) {
        throw new VocabularyException(file + ": merge " + rank + " " + m + " names a token not in the vocabulary");
      }
      merges.putIfAbsent(key(a, b), new long[] {rank, result});
    }
    mergeable = new boolean[tokens.size()];
    vocab.forEach((t, id) -> mergeable[id] = !(byteFallback && t.matches("<0x[0-9A-F]{2}>"))
        && !t.equals(model.path("unk_token").asText(null)) && !(mergesAsStrings && t.contains(" ")));
  }

  static BpeTokenizerFile read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new VocabularyException(file.getParent() + " has no tokenizer.json: vocabulary extension needs the "
          + "base's Hugging Face tokenizer file");
    }
    try {
      return new BpeTokenizerFile(file, (ObjectNode) JSON.readTree(file.toFile()));
    } catch (IOException | ClassCastException e) {
      throw new CheckpointException(file, "not a readable tokenizer.json: " + e.getMessage(), e);
    }
  }

  private static long key(int a, int b) {
    return ((long) a << 32) | (b & 0xffffffffL);
  }

  /** The next free id: the largest id in use, added tokens included, plus one. */
  int nextId() {
    return tokens.size();
  }

  /** Whether a token of the base may take part in a new merge (byte-fallback and unknown tokens may not). */
  boolean mergeable(int id) {
    return id >= 0 && id < mergeable.length && mergeable[id];
  }

  /** The base's tokens of one pre-tokenized word; -1 for a character it cannot represent. */
  int[] encode(String word) {
    Integer whole = ignoreMerges ? vocab.get(word) : null;
    if (whole != null) {
      return new int[] {whole};
    }
    int[] sym = new int[word.length() * 4];
    int n = 0;
    for (int i = 0; i < word.length(); ) {
      int cp = word.codePointAt(i);
      String c = word.substring(i, i + Character.charCount(cp));
      i += c.length();
      Integer id = vocab.get(c);
      if (id != null) {
        sym[n++] = id;
      } else if (byteFallback) {
        for (byte b : c.getBytes(StandardCharsets.UTF_8)) {
          sym[n++] = vocab.getOrDefault(String.format("<0x%02X>", b & 0xff), -1);
        }
      } else {
        sym[n++] = -1;
      }
    }
    while (n > 1) {
      long best = Long.MAX_VALUE;
      int at = -1;
      for (int i = 0; i + 1 < n; i++) {
        long[] m = sym[i] < 0 || sym[i + 1] < 0 ? null : merges.get(key(sym[i], sym[i + 1]));
        if (m != null && m[0] < best) {
          best = m[0];
          at = i;
        }
      }
      if (at < 0) {
        break;
      }
      sym[at] = (int) merges.get(key(sym[at], sym[at + 1]))[1];
      System.arraycopy(sym, at + 2, sym, at + 1, n - at - 2);
      n--;
    }
    return Arrays.copyOf(sym, n);
  }

  /**
   * Writes the base's JSON with {@code newTokens} added to the model's vocabulary (ids from {@link
   * #nextId()} in order) and {@code newMerges} appended to its merges, in the base's merge format.
   * Added tokens not in the model's vocabulary (Qwen's, whose ids follow it) are listed there too,
   * under their own ids: HF tokenizers gives an added token missing from the model's vocabulary the
   * id after the model's largest, so with new tokens after them they would silently change ids.
   */
  void writeExtended(Path out, List<String> newTokens, List<String[]> newMerges) throws IOException {
    ObjectNode copy = root.deepCopy();
    ObjectNode v = (ObjectNode) copy.path("model").path("vocab");
    for (JsonNode a : root.path("added_tokens")) { // HF renumbers added tokens missing from the model's vocabulary
      if (!v.has(a.path("content").asText())) {
        v.put(a.path("content").asText(), a.path("id").asInt());
      }
    }
    for (int i = 0; i < newTokens.size(); i++) {
      v.put(newTokens.get(i), nextId() + i);
    }
    ArrayNode ms = (ArrayNode) copy.path("model").path("merges");
    for (String[] m : newMerges) {
      if (mergesAsStrings) {
        ms.add(m[0] + " " + m[1]);
      } else {
        ms.addArray().add(m[0]).add(m[1]);
      }
    }
    Files.write(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(copy));
  }
}
