package io.cpt4j.merge.internal.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.merge.MergeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One input's vocabulary as its {@code tokenizer.json} defines it: token string to id, for the
 * model's vocabulary ({@code model.vocab}: a mapping for BPE, WordPiece and WordLevel, a list of
 * pieces for Unigram) and the added tokens, keeping only ids below the input's {@code vocab_size}
 * (mergekit's {@code get_stripped_tokenizer} and permutations skip the others). Without a
 * tokenizer.json, {@link #positional} names row {@code i} by its id. Immutable.
 *
 * @param file the tokenizer.json read; null for a positional vocabulary
 * @param root its parsed JSON; null for a positional vocabulary
 * @param ids token to id, ids below {@code rows}, in id order
 * @param added the added tokens' JSON entries by content (ids below {@code rows}), in id order
 * @param beyondRows tokens of the file whose id is {@code rows} or more
 */
record TokenizerVocabulary(Path file, ObjectNode root, Map<String, Integer> ids, Map<String, ObjectNode> added,
    int beyondRows) {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String FILE = "tokenizer.json";

  /** Whether {@code c} has a tokenizer.json. */
  static boolean has(Checkpoint c) {
    return Files.isRegularFile(c.directory().resolve(FILE));
  }

  /**
   * Reads {@code c}'s tokenizer.json, keeping ids below {@code rows}.
   *
   * @throws MergeException if the file cannot be read or has no model vocabulary
   */
  static TokenizerVocabulary read(Checkpoint c, int rows) {
    Path file = c.directory().resolve(FILE);
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new MergeException("cannot read " + file + ": " + e.getMessage(), e);
    }
    JsonNode vocab = root.path("model").path("vocab");
    if (!root.isObject() || !(vocab.isObject() || vocab.isArray())) {
      throw new MergeException(file + " has no model vocabulary (model.vocab)");
    }
    Map<Integer, String> byId = new java.util.TreeMap<>();
    if (vocab.isObject()) {
      vocab.properties().forEach(e -> byId.put(e.getValue().asInt(), e.getKey()));
    } else { // Unigram: [[piece, score], ...], the id is the position
      for (int i = 0; i < vocab.size(); i++) {
        byId.put(i, vocab.get(i).path(0).asText());
      }
    }
    Map<String, ObjectNode> addedById = new LinkedHashMap<>();
    for (JsonNode a : root.path("added_tokens")) {
      byId.put(a.path("id").asInt(), a.path("content").asText());
      addedById.put(a.path("id").asInt() + "", (ObjectNode) a);
    }
    Map<String, Integer> ids = new LinkedHashMap<>();
    Map<String, ObjectNode> added = new LinkedHashMap<>();
    int beyond = 0;
    for (Map.Entry<Integer, String> e : byId.entrySet()) {
      if (e.getKey() >= rows) {
        beyond++;
        continue;
      }
      ids.putIfAbsent(e.getValue(), e.getKey());
      ObjectNode entry = addedById.get(e.getKey() + "");
      if (entry != null) {
        added.putIfAbsent(e.getValue(), entry);
      }
    }
    return new TokenizerVocabulary(file, (ObjectNode) root, ids, added, beyond);
  }

  /** Rows {@code 0 … rows−1} named by their ids: the vocabulary of a checkpoint without tokenizer.json. */
  static TokenizerVocabulary positional(int rows) {
    Map<String, Integer> ids = new LinkedHashMap<>();
    for (int i = 0; i < rows; i++) {
      ids.put("#" + i, i);
    }
    return new TokenizerVocabulary(null, null, ids, Map.of(), 0);
  }

  /** This vocabulary restricted to {@code rows} (an input without a tokenizer.json takes the base's). */
  TokenizerVocabulary truncated(int rows) {
    Map<String, Integer> kept = new LinkedHashMap<>();
    ids.forEach((t, id) -> {
      if (id < rows) {
        kept.put(t, id);
      }
    });
    Map<String, ObjectNode> keptAdded = new LinkedHashMap<>(added);
    keptAdded.keySet().retainAll(kept.keySet());
    return new TokenizerVocabulary(file, root, kept, keptAdded, beyondRows + ids.size() - kept.size());
  }

  /** Rows the output's tokens span: the largest id plus one. */
  int size() {
    return ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
  }

  /**
   * The tokenizer.json text of this vocabulary with {@code appended} added after it, ids from
   * {@link #size()} on, as transformers' {@code add_tokens} does: each new token's entry is its
   * entry in the input it came from when it is an added token there, else an ordinary added token
   * ({@code normalized: true}, {@code special: false}).
   */
  String withAddedTokens(List<NewToken> appended) {
    ObjectNode out = root.deepCopy();
    ArrayNode list = out.has("added_tokens") ? (ArrayNode) out.get("added_tokens") : out.putArray("added_tokens");
    int id = size();
    for (NewToken t : appended) {
      list.add(t.entry(id++));
    }
    return out.toPrettyString();
  }

  /**
   * The tokenizer_config.json text of {@code file} with the new tokens in its {@code
   * added_tokens_decoder} (if it has one), or null when nothing changes.
   */
  static String configWithAddedTokens(Path file, int firstId, List<NewToken> appended) {
    if (appended.isEmpty() || !Files.isRegularFile(file)) {
      return null;
    }
    try {
      JsonNode root = JSON.readTree(Files.readAllBytes(file));
      if (!(root instanceof ObjectNode o) || !(o.get("added_tokens_decoder") instanceof ObjectNode decoder)) {
        return null;
      }
      int id = firstId;
      for (NewToken t : appended) {
        ObjectNode e = t.entry(id++);
        e.remove("id");
        decoder.set(Integer.toString(id - 1), e);
      }
      return o.toPrettyString();
    } catch (IOException e) {
      throw new MergeException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** A token appended to the output vocabulary, with its added-token entry in its input (or null). */
  record NewToken(String content, ObjectNode addedEntry) {
    ObjectNode entry(int id) {
      ObjectNode e = JSON.createObjectNode();
      e.put("id", id);
      e.put("content", content);
      for (String flag : List.of("single_word", "lstrip", "rstrip")) {
        e.put(flag, addedEntry != null && addedEntry.path(flag).asBoolean(false));
      }
      e.put("normalized", addedEntry == null || addedEntry.path("normalized").asBoolean(true));
      e.put("special", addedEntry != null && addedEntry.path("special").asBoolean(false));
      return e;
    }
  }
}
