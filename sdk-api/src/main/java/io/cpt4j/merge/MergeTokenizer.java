package io.cpt4j.merge;

import io.cpt4j.checkpoint.Checkpoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The output vocabulary of a merge whose inputs' tokenizers differ (mergekit's {@code tokenizer:
 * {source, tokens, pad_to_multiple_of}}). The output vocabulary is built first; then every input's
 * embedding and LM-head rows are remapped to it by token, before the merge method runs, so the
 * method merges the rows of one token across the models.
 *
 * <ul>
 *   <li>{@link Source#UNION}: the base's tokens with their ids, then each other input's tokens the
 *       base lacks, in input order (ordinary tokens of all inputs first, then added tokens), appended
 *       to the base's tokenizer as added tokens as mergekit does; {@link Source#BASE}: the base's
 *       vocabulary; {@link #from(Checkpoint)}: that input's.
 *   <li>A token an input lacks takes, in that input's remapped rows: the {@link #token} source named
 *       for it; else the base's row if the base has the token; else the row of the only input that
 *       has it; else the mean of the rows of the inputs that have it (mergekit's {@code embed.py}).
 *       With {@link TokenEmbedding#force} every input takes the named source, even one that has the
 *       token.
 *   <li>{@link #padToMultipleOf}: {@code vocab_size} rounded up to a multiple; each input's padding
 *       rows are the mean of its remapped token rows (mergekit, after Hewitt's vocabulary expansion).
 * </ul>
 *
 * <p>Immutable and thread-safe; {@code with...} methods return modified copies.
 *
 * @param source where the output vocabulary comes from
 * @param model the input whose vocabulary the output takes when {@code source} is {@link
 *     Source#MODEL}; null otherwise
 * @param tokens per-token embedding sources, by token string (a token no input has is added)
 * @param padToMultipleOf the output vocabulary size is a multiple of this; 1 (the default): no padding
 */
public record MergeTokenizer(Source source, Checkpoint model, Map<String, TokenEmbedding> tokens, int padToMultipleOf) {

  /** Where the output vocabulary comes from. */
  public enum Source {
    /** The base's tokens, then the other inputs' new tokens. */
    UNION,
    /** The base's vocabulary. */
    BASE,
    /** One input's vocabulary ({@link MergeTokenizer#model}). */
    MODEL
  }

  public MergeTokenizer {
    Objects.requireNonNull(source, "source");
    if ((source == Source.MODEL) != (model != null)) {
      throw new MergeException("tokenizer source " + source + " " + (model == null ? "needs" : "takes no") + " model");
    }
    tokens = Map.copyOf(new LinkedHashMap<>(tokens));
    if (padToMultipleOf < 1) {
      throw new MergeException("pad_to_multiple_of must be >= 1, got " + padToMultipleOf);
    }
  }

  /** The union of the inputs' vocabularies. */
  public static MergeTokenizer union() {
    return new MergeTokenizer(Source.UNION, null, Map.of(), 1);
  }

  /** The base's vocabulary. */
  public static MergeTokenizer base() {
    return new MergeTokenizer(Source.BASE, null, Map.of(), 1);
  }

  /** The vocabulary of {@code input}, one of the merged checkpoints. */
  public static MergeTokenizer from(Checkpoint input) {
    return new MergeTokenizer(Source.MODEL, Objects.requireNonNull(input, "input"), Map.of(), 1);
  }

  /** A copy in which {@code token}'s rows come from {@code embedding}. */
  public MergeTokenizer token(String token, TokenEmbedding embedding) {
    Map<String, TokenEmbedding> m = new LinkedHashMap<>(tokens);
    m.put(Objects.requireNonNull(token, "token"), Objects.requireNonNull(embedding, "embedding"));
    return new MergeTokenizer(source, model, m, padToMultipleOf);
  }

  /** A copy whose vocabulary size is rounded up to a multiple of {@code k}. */
  public MergeTokenizer padToMultipleOf(int k) {
    return new MergeTokenizer(source, model, tokens, k);
  }

  /**
   * Refuses what a merge of these parts cannot combine with this vocabulary: a checkpoint named here
   * that is not one of its inputs, {@code vocabularyFrom}, another {@code tokenizerFrom}, slices.
   */
  void check(Checkpoint base, Checkpoint target, List<MergeInput> models, Optional<Checkpoint> vocabularyFrom,
      Optional<Checkpoint> tokenizerFrom, boolean sliced) {
    if (vocabularyFrom.isPresent() || sliced) {
      throw new MergeException("tokenizer(...) builds the output vocabulary by token; it does not combine with "
          + (sliced ? "slices" : "vocabularyFrom (which merges rows by id): keep one"));
    }
    List<Checkpoint> inputs = new ArrayList<>(List.of(base, target));
    models.forEach(m -> inputs.add(m.checkpoint()));
    if (model != null && inputs.stream().noneMatch(c -> c == model)) {
      throw new MergeException("the tokenizer source " + model.directory() + " is not one of the merged checkpoints"
          + " (base, target or a model)");
    }
    Checkpoint files = model != null ? model : base;
    if (tokenizerFrom.isPresent() && tokenizerFrom.get() != files) {
      throw new MergeException("the tokenizer files follow the output vocabulary (" + files.directory()
          + "); tokenizerFrom(" + tokenizerFrom.get().directory() + ") names another model");
    }
    tokens.forEach((token, e) -> {
      Checkpoint c = e.source().checkpoint();
      if (c != null && inputs.stream().noneMatch(i -> i == c)) {
        throw new MergeException("tokenizer.tokens[" + token + "]: " + c.directory() + " is not one of the merged"
            + " checkpoints (base, target or a model)");
      }
    });
  }

  /** The input whose tokenizer files the output starts from: the base, or {@link #model}. */
  public Checkpoint vocabularySource(Merge merge) {
    return model != null ? model : merge.base();
  }

  /**
   * The embedding of one token: where its row comes from and whether inputs that have the token
   * take it too.
   *
   * @param source the row's source
   * @param force every input takes {@code source}'s row, even one that has the token; default false
   */
  public record TokenEmbedding(RowSource source, boolean force) {
    public TokenEmbedding {
      Objects.requireNonNull(source, "source");
    }

    /** The token's own row in {@code model}, for the inputs that lack the token. */
    public static TokenEmbedding of(Checkpoint model) {
      return new TokenEmbedding(new RowSource.Model(model), false);
    }

    /** A zero row, for the inputs that lack the token. */
    public static TokenEmbedding zero() {
      return new TokenEmbedding(new RowSource.Zero(), false);
    }

    /** This source for every input. */
    public TokenEmbedding forced() {
      return new TokenEmbedding(source, true);
    }
  }

  /** Where a token's row comes from (mergekit's {@code source}: a model, {@code kind: zero}, {@code kind: model_token}). */
  public sealed interface RowSource {
    /** The same token's row in {@code model}, which must have it. */
    record Model(Checkpoint model) implements RowSource {
      public Model {
        Objects.requireNonNull(model, "model");
      }
    }

    /** A row of zeros. */
    record Zero() implements RowSource {}

    /**
     * Row {@code id} of {@code model} or, when {@code token} is not null, the row of that token in
     * {@code model}'s vocabulary (mergekit's {@code kind: model_token}).
     */
    record ModelToken(Checkpoint model, int id, String token) implements RowSource {
      public ModelToken {
        Objects.requireNonNull(model, "model");
        if ((token == null) == (id < 0)) {
          throw new MergeException("a model_token source takes exactly one of token_id and token");
        }
      }
    }

    /** The checkpoint this source reads, or null. */
    default Checkpoint checkpoint() {
      return switch (this) {
        case Model m -> m.model();
        case ModelToken mt -> mt.model();
        case Zero z -> null;
      };
    }
  }
}
