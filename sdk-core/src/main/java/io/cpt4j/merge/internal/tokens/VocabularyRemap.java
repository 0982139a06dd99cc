package io.cpt4j.merge.internal.tokens;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeTokenizer;
import io.cpt4j.merge.internal.tokens.TokenizerVocabulary.NewToken;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link Merge#tokenizer} resolved: the output vocabulary, and for every input (base, target,
 * models) the output row each of its rows goes to, so that its embeddings and LM head can be read
 * remapped ({@link RemappedCheckpoint}) by the unchanged merge methods. The output vocabulary and
 * each token's fallback row follow mergekit's {@code tokenizer/build.py} ({@code
 * build_union_tokenizer}, {@code build_tokenizer}) and {@code tokenizer/embed.py} ({@code
 * PermutedEmbeddings}, {@code assign_embedding_sources}). Immutable after {@link #of}.
 */
public final class VocabularyRemap {
  /** Where an output row comes from when an input lacks its token (or it is forced). */
  sealed interface Row {
    /** Row {@code row} of input {@code input}. */
    record FromInput(int input, int row) implements Row {}

    /** Zeros. */
    record Zero() implements Row {}

    /** The mean of row {@code rows[k]} of input {@code inputs[k]} over k. */
    record Mean(int[] inputs, int[] rows) implements Row {}
  }

  final List<Checkpoint> inputs;
  /** Output rows with a token (the largest id plus one). */
  final int vocab;
  /** Output rows: {@link #vocab} rounded up to the padding multiple. */
  final int rows;
  /** Per input, per output row below {@link #vocab}: the input's row with that token, or −1. */
  final int[][] perm;
  /** Per output row below {@link #vocab}: the fallback row; null where no token has the id. */
  final Row[] fallback;
  final boolean[] force;
  private final Checkpoint source;
  private final Map<String, String> files;

  private VocabularyRemap(List<Checkpoint> inputs, int vocab, int rows, int[][] perm, Row[] fallback,
      boolean[] force, Checkpoint source, Map<String, String> files) {
    this.inputs = inputs;
    this.vocab = vocab;
    this.rows = rows;
    this.perm = perm;
    this.fallback = fallback;
    this.force = force;
    this.source = source;
    this.files = files;
  }

  /**
   * Resolves {@code merge}'s tokenizer.
   *
   * @throws MergeException if a vocabulary cannot be read or represented, or a token source cannot
   *     supply its row
   */
  public static VocabularyRemap of(Merge merge) {
    MergeTokenizer spec = merge.tokenizer().orElseThrow();
    List<Checkpoint> inputs = new ArrayList<>();
    for (Checkpoint c : allInputs(merge)) {
      if (inputs.stream().noneMatch(i -> i == c)) {
        inputs.add(c);
      }
    }
    TokenizerVocabulary[] vocabs = vocabularies(inputs, spec);
    Checkpoint source = spec.vocabularySource(merge);
    TokenizerVocabulary from = vocabs[inputs.indexOf(source)];
    if (from.beyondRows() > 0) {
      throw new MergeException(from.file() + " has " + from.beyondRows() + " tokens with ids at or past vocab_size "
          + source.config().vocabSize() + " of " + source.directory() + ": cpt4j does not strip them (mergekit does,"
          + " for BPE tokenizers); name another tokenizer source");
    }
    Map<String, Integer> out = new LinkedHashMap<>(from.ids());
    List<NewToken> appended = new ArrayList<>();
    int next = from.size();
    if (spec.source() == MergeTokenizer.Source.UNION) { // build_union_tokenizer: ordinary tokens, then added ones
      for (boolean addedPass : new boolean[] {false, true}) {
        for (int i = 0; i < inputs.size(); i++) {
          TokenizerVocabulary v = vocabs[i];
          for (String token : v.ids().keySet()) {
            if (v.added().containsKey(token) == addedPass && !out.containsKey(token)) {
              out.put(token, next++);
              appended.add(new NewToken(token, v.added().get(token)));
            }
          }
        }
      }
    }
    for (String token : spec.tokens().keySet()) { // build_tokenizer: tokenizer_out.add_tokens(tok)
      if (from.file() == null) {
        throw new MergeException("tokenizer.tokens needs tokenizer.json files; " + source.directory() + " has none");
      }
      if (!out.containsKey(token)) {
        out.put(token, next++);
        appended.add(new NewToken(token, null));
      }
    }
    int vocab = next;
    int k = spec.padToMultipleOf();
    int rows = (vocab + k - 1) / k * k;
    String[] tokens = new String[vocab];
    out.forEach((t, id) -> tokens[id] = t);
    int[][] perm = new int[inputs.size()][vocab];
    for (int i = 0; i < inputs.size(); i++) {
      for (int id = 0; id < vocab; id++) {
        perm[i][id] = tokens[id] == null ? -1 : vocabs[i].ids().getOrDefault(tokens[id], -1);
      }
    }
    Row[] fallback = new Row[vocab];
    boolean[] force = new boolean[vocab];
    int base = inputs.indexOf(merge.base());
    for (int id = 0; id < vocab; id++) {
      if (tokens[id] == null) {
        continue;
      }
      MergeTokenizer.TokenEmbedding named = spec.tokens().get(tokens[id]);
      if (named != null) {
        fallback[id] = TokenSources.row(named.source(), tokens[id], id, inputs, vocabs, perm);
        force[id] = named.force();
      } else {
        fallback[id] = assign(id, perm, base);
      }
    }
    Map<String, String> files = new LinkedHashMap<>();
    if (!appended.isEmpty()) {
      files.put(TokenizerVocabulary.FILE, from.withAddedTokens(appended));
      String config = TokenizerVocabulary.configWithAddedTokens(source.directory().resolve("tokenizer_config.json"),
          from.size(), appended);
      if (config != null) {
        files.put("tokenizer_config.json", config);
      }
    }
    return new VocabularyRemap(List.copyOf(inputs), vocab, rows, perm, fallback, force, source, Map.copyOf(files));
  }

  /**
   * mergekit's {@code assign_embedding_sources}: the only input with the token; zeros when none has
   * it; the base's row when the base has it; else the mean over the inputs that have it.
   */
  private static Row assign(int id, int[][] perm, int base) {
    List<Integer> having = new ArrayList<>();
    for (int i = 0; i < perm.length; i++) {
      if (perm[i][id] >= 0) {
        having.add(i);
      }
    }
    if (having.size() == 1) {
      return new Row.FromInput(having.getFirst(), perm[having.getFirst()][id]);
    }
    if (having.isEmpty()) {
      return new Row.Zero();
    }
    if (perm[base][id] >= 0) {
      return new Row.FromInput(base, perm[base][id]);
    }
    return new Row.Mean(having.stream().mapToInt(Integer::intValue).toArray(),
        having.stream().mapToInt(i -> perm[i][id]).toArray());
  }

  /**
   * Every input's vocabulary: its tokenizer.json; an input without one takes the base's (mergekit:
   * "assuming same as base"); when no input has one, rows are named by their ids.
   */
  private static TokenizerVocabulary[] vocabularies(List<Checkpoint> inputs, MergeTokenizer spec) {
    TokenizerVocabulary[] v = new TokenizerVocabulary[inputs.size()];
    Checkpoint base = inputs.getFirst();
    boolean any = inputs.stream().anyMatch(TokenizerVocabulary::has);
    if (any && !TokenizerVocabulary.has(base)) {
      throw new MergeException("the base " + base.directory() + " has no tokenizer.json, which the output "
          + "vocabulary (tokenizer: " + spec.source().name().toLowerCase(java.util.Locale.ROOT) + ") starts from");
    }
    for (int i = 0; i < v.length; i++) {
      int rows = inputs.get(i).config().vocabSize();
      Checkpoint c = inputs.get(i);
      v[i] = !any ? TokenizerVocabulary.positional(rows) : TokenizerVocabulary.has(c)
          ? TokenizerVocabulary.read(c, rows) : v[0].truncated(rows);
    }
    return v;
  }

  /** The base, the target and the models, in that order. */
  private static List<Checkpoint> allInputs(Merge merge) {
    List<Checkpoint> all = new ArrayList<>(List.of(merge.base(), merge.target()));
    merge.models().forEach(m -> all.add(m.checkpoint()));
    return all;
  }

  /** Whether reading every input remapped gives exactly its own tensors (same tokens, ids and size). */
  boolean identity() {
    for (int i = 0; i < inputs.size(); i++) {
      if (inputs.get(i).config().vocabSize() != rows) {
        return false;
      }
      for (int id = 0; id < vocab; id++) {
        if (perm[i][id] != id || force[id]) {
          return false;
        }
      }
    }
    return rows == vocab;
  }

  /**
   * {@code merge} over the remapped inputs, without its tokenizer: every vocabulary tensor has {@link
   * #rows} rows, and the tokenizer files come from the vocabulary's source.
   */
  public Merge remapped(Merge merge) {
    Map<Checkpoint, Checkpoint> views = new IdentityHashMap<>();
    boolean identity = identity();
    for (int i = 0; i < inputs.size(); i++) {
      views.put(inputs.get(i), identity ? inputs.get(i) : new RemappedCheckpoint(this, i));
    }
    List<MergeInput> models = merge.models().stream()
        .map(m -> new MergeInput(views.get(m.checkpoint()), m.weight(), m.density())).toList();
    Checkpoint target = views.get(merge.target());
    return new Merge(merge.method(), views.get(merge.base()), models, target, merge.include(), merge.exclude(),
        merge.dtype(), merge.maxShardSize(), merge.overwrite(), Optional.empty(),
        Optional.of(views.get(source)).filter(s -> s != target), merge.chatTemplate(), merge.slices(),
        Optional.empty());
  }

  /**
   * The output's config.json text: the target's with {@code vocab_size} set to {@link #rows} and the
   * special-token ids of the vocabulary's source.
   */
  public String config(Merge merge) {
    java.nio.file.Path file = merge.target().directory().resolve("config.json");
    try {
      ObjectNode root = (ObjectNode) TokenizerVocabulary.JSON.readTree(Files.readAllBytes(file));
      root.put("vocab_size", rows);
      if (root.get("text_config") instanceof ObjectNode text && text.has("vocab_size")) {
        text.put("vocab_size", rows);
      }
      if (source != merge.target()) { // the special-token ids follow the tokenizer files
        ObjectNode ids = (ObjectNode) TokenizerVocabulary.JSON.readTree(
            Files.readAllBytes(source.directory().resolve("config.json")));
        for (String key : List.of("bos_token_id", "eos_token_id", "pad_token_id")) {
          if (ids.hasNonNull(key)) {
            root.set(key, ids.get(key));
          } else {
            root.remove(key);
          }
        }
      }
      return root.toPrettyString();
    } catch (IOException | ClassCastException e) {
      throw new MergeException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Tokenizer files (name to text) the output gets instead of the source's: empty when no token was added. */
  public Map<String, String> files() {
    return files;
  }
}
