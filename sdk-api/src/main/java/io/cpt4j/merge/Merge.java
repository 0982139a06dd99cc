package io.cpt4j.merge;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A configured model merge: the method, the base model, the models merged into it and the output
 * options. Built with {@link #builder}; run with {@link #writeTo}.
 *
 * <pre>{@code
 * Merge.builder(new MergeMethod.Ties(1.0, true), base)
 *     .model(new MergeInput(math, 1.0, 0.5))
 *     .model(new MergeInput(code, 1.0, 0.5))
 *     .dtype(DType.BF16)
 *     .build()
 *     .writeTo(Path.of("merged"));
 * }</pre>
 *
 * <p>The merge streams over the memory-mapped inputs, computing each output tensor in chunks as it
 * is written (in parallel): the heap holds a few chunks per thread, never a whole tensor or the
 * model, and tensors may have more than {@code Integer.MAX_VALUE} elements. Methods that need
 * whole-tensor statistics (TIES and breadcrumbs trimming thresholds) read their inputs once more
 * per tensor to find them exactly. Before anything is written, every input must have the base's
 * architecture and exactly its tensor names and shapes (else a {@link MergeException} lists the
 * first mismatches; see {@link #vocabularyFrom} for differing vocabularies). Tensors that a filter
 * leaves out, and non-floating-point tensors, are copied from the target.
 *
 * <p>Immutable and thread-safe. Checkpoints are not closed by the merge.
 *
 * @param method the merge method
 * @param base the reference the task vectors are taken against
 * @param models the merged models, at least one
 * @param target where the merged vector is added, and where config, tokenizer and unmerged tensors
 *     come from; default the base ({@link MergeMethod.ChatVector} needs the continually pre-trained
 *     model here)
 * @param include only tensors whose full name matches are merged; empty merges all
 * @param exclude tensors whose full name matches are not merged; empty excludes none
 *     ({@link MergeMethod.ChatVector} defaults to {@link MergeMethod.ChatVector#DEFAULT_SKIP})
 * @param dtype output dtype of floating-point tensors; null keeps the target's dtype of each tensor
 * @param maxShardSize largest output shard in bytes; default one file
 * @param overwrite replace an existing non-empty output directory; default false
 * @param vocabularyFrom when the inputs' vocabulary sizes differ: the checkpoint whose vocabulary the
 *     output takes; it must be one of the merged checkpoints (base, target or a model). In the
 *     vocabulary tensors (dimension 0 is the vocabulary: {@code embed_tokens}, {@code lm_head},
 *     {@code embed_in}, {@code embed_out}, {@code wte}; their other dimensions must agree) the rows
 *     shared by all inputs (the smallest vocabulary) are merged (sparsification statistics such as
 *     TIES thresholds are taken over those rows), the extra rows are copied from this checkpoint, and
 *     the output has its shape; vocabulary tensors left unmerged by a filter are copied from it
 *     whole. The output's {@code config.json} (hence {@code vocab_size}) and tokenizer files are its.
 *     Ignored when all vocabularies agree. Empty (the default): differing vocabulary sizes are an
 *     error naming the sizes and the tensors
 * @param tokenizerFrom the checkpoint whose tokenizer files, chat template, generation_config.json
 *     and config.json special-token ids the output takes (mergekit's {@code tokenizer_source}); one
 *     of the inputs. Default: for {@link MergeMethod.ChatVector} the instruction-tuned model, so the
 *     domain chat model keeps its chat template and stops at its end-of-turn token; otherwise the
 *     target (or {@code vocabularyFrom} when the vocabularies differ, which then must be the same
 *     checkpoint; a chat vector given a {@code vocabularyFrom} takes its tokenizer too)
 * @param chatTemplate a Jinja chat template written as the output's {@code chat_template.jinja}
 *     (which transformers prefers to tokenizer_config.json's), mergekit's {@code chat_template};
 *     empty: the tokenizer source's template is kept
 * @param slices instead of {@code models}: the output's layers as slices of layer ranges ({@link
 *     MergeSlice}), mergekit's {@code slices}. Each output layer merges the same-offset layers of its
 *     slice's sources with the method; the tensors before the layers (embeddings) are merged from the
 *     first slice's sources, those after them (final norm, LM head) from the last slice's, as mergekit
 *     does; layers are renamed to consecutive indices and config.json (from the base) gets the layer
 *     count and per-layer lists of the layers taken. The base, for methods that take task vectors
 *     against it, must be a source of every slice; the model count the method allows applies to each
 *     slice (passthrough: one source). Neither {@code onto}, filters nor differing vocabularies
 *     combine with slices. Empty (the default): whole models
 * @param tokenizer the output vocabulary built by token from the inputs' tokenizers, with every
 *     input's embedding and LM-head rows remapped to it before the method runs (mergekit's {@code
 *     tokenizer}); see {@link MergeTokenizer}. The checkpoints it names must be inputs; it excludes
 *     {@code vocabularyFrom}, {@code tokenizerFrom} and slices. Empty (the default): the vocabularies
 *     must agree, or {@code vocabularyFrom} picks one by row
 */
public record Merge(
    MergeMethod method,
    Checkpoint base,
    List<MergeInput> models,
    Checkpoint target,
    Optional<Pattern> include,
    Optional<Pattern> exclude,
    DType dtype,
    long maxShardSize,
    boolean overwrite,
    Optional<Checkpoint> vocabularyFrom,
    Optional<Checkpoint> tokenizerFrom,
    Optional<String> chatTemplate,
    List<MergeSlice> slices,
    Optional<MergeTokenizer> tokenizer) {

  /** A merge without a {@link #tokenizer} (the form before it existed). */
  public Merge(MergeMethod method, Checkpoint base, List<MergeInput> models, Checkpoint target,
      Optional<Pattern> include, Optional<Pattern> exclude, DType dtype, long maxShardSize, boolean overwrite,
      Optional<Checkpoint> vocabularyFrom, Optional<Checkpoint> tokenizerFrom, Optional<String> chatTemplate,
      List<MergeSlice> slices) {
    this(method, base, models, target, include, exclude, dtype, maxShardSize, overwrite, vocabularyFrom,
        tokenizerFrom, chatTemplate, slices, Optional.empty());
  }

  public Merge {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(target, "target");
    models = List.copyOf(models);
    slices = List.copyOf(slices);
    if (!slices.isEmpty()) {
      MergeSlices.check(method, base, models, target, slices);
    } else if (models.isEmpty()) {
      throw new MergeException(method.name() + " needs at least one model besides the base");
    }
    if (method instanceof MergeMethod.ChatVector && models.size() != 1 && slices.isEmpty()) {
      throw new MergeException("chat_vector takes exactly one model (the instruction-tuned one), got " + models.size());
    }
    if (method instanceof MergeMethod.Slerp && models.size() != 1 && slices.isEmpty()) {
      throw new MergeException("slerp interpolates between the base and exactly one model, got " + models.size());
    }
    if ((method instanceof MergeMethod.Slerp || method instanceof MergeMethod.ModelStock
        || method instanceof MergeMethod.Nearswap || method instanceof MergeMethod.Nuslerp
        || method instanceof MergeMethod.Multislerp || method instanceof MergeMethod.Karcher) && target != base) {
      throw new MergeException(method.name() + " interpolates between the base and the models; onto("
          + target.directory() + ") is not supported");
    }
    if (method instanceof MergeMethod.Passthrough && target != base) {
      throw new MergeException("passthrough copies its one model; onto(" + target.directory() + ") is not supported");
    }
    if (method instanceof MergeMethod.ModelStock && models.size() < 2 && slices.isEmpty()) {
      throw new MergeException("model_stock needs at least two fine-tuned models besides the base, got "
          + models.size());
    }
    if (slices.isEmpty() && !method.declaration().models().allows(models.size())) {
      throw new MergeException(method.name() + switch (method.declaration().models()) {
        case EXACTLY_ONE -> " takes exactly one model";
        case EXACTLY_TWO -> " takes exactly two models";
        case AT_LEAST_TWO, AT_LEAST_ONE -> " needs at least two models";
      } + " besides the base, got " + models.size());
    }
    Objects.requireNonNull(vocabularyFrom, "vocabularyFrom");
    Objects.requireNonNull(tokenizerFrom, "tokenizerFrom");
    Objects.requireNonNull(chatTemplate, "chatTemplate");
    if (tokenizerFrom.isPresent() && tokenizerFrom.get() != base && tokenizerFrom.get() != target
        && models.stream().noneMatch(m -> m.checkpoint() == tokenizerFrom.get())) {
      throw new MergeException("the tokenizer must come from one of the merge's checkpoints (base, target or a"
          + " model), not " + tokenizerFrom.get().directory());
    }
    Objects.requireNonNull(tokenizer, "tokenizer");
    if (tokenizer.isPresent()) {
      tokenizer.get().check(base, target, models, vocabularyFrom, tokenizerFrom, !slices.isEmpty());
    }
    if (dtype != null && !dtype.isFloatingPoint()) {
      throw new MergeException("output dtype must be floating point, got " + dtype);
    }
    if (maxShardSize <= 0) {
      throw new MergeException("maxShardSize must be positive, got " + maxShardSize);
    }
  }

  /** A builder for {@code method} with task vectors taken against {@code base}. */
  public static Builder builder(MergeMethod method, Checkpoint base) {
    return new Builder(method, base);
  }

  /**
   * A builder holding this merge, for a modified copy (e.g. {@code merge.newBuilder().overwrite(true)
   * .build()}); this value is unchanged. Its fields are taken as they are, defaults already applied:
   * the target, the filters and the tokenizer source are this merge's, whichever method it uses.
   */
  public Builder newBuilder() {
    return new Builder(this);
  }

  /**
   * Runs the merge and writes the output checkpoint to {@code directory} atomically (under a
   * temporary name, renamed into place when complete).
   *
   * @throws MergeException if the inputs disagree or writing fails
   */
  public MergeReport writeTo(Path directory) {
    return Providers.merge().merge(this, directory);
  }

  /** Whether the method merges tensor {@code name} (rather than copying it from the target). */
  public boolean merges(String name) {
    return include.map(p -> p.matcher(name).matches()).orElse(true)
        && !exclude.map(p -> p.matcher(name).matches()).orElse(false);
  }

  /**
   * Collects the parts of a {@link Merge}; defaults as {@link Merge} lists them. Not thread-safe;
   * {@link #build()} may be called more than once.
   */
  public static final class Builder {
    private final MergeMethod method;
    private final Checkpoint base;
    private final List<MergeInput> models = new ArrayList<>();
    private Checkpoint target;
    private Pattern include;
    private Pattern exclude;
    private boolean excludeSet;
    private DType dtype;
    private long maxShardSize = Long.MAX_VALUE;
    private boolean overwrite;
    private Checkpoint vocabularyFrom;
    private Checkpoint tokenizerFrom;
    private String chatTemplate;
    private final List<MergeSlice> slices = new ArrayList<>();
    private MergeTokenizer tokenizer;

    private Builder(MergeMethod method, Checkpoint base) {
      this.method = Objects.requireNonNull(method, "method");
      this.base = Objects.requireNonNull(base, "base");
    }

    private Builder(Merge m) {
      this(m.method, m.base);
      models.addAll(m.models);
      target = m.target;
      include = m.include.orElse(null);
      exclude = m.exclude.orElse(null);
      excludeSet = true;
      dtype = m.dtype;
      maxShardSize = m.maxShardSize;
      overwrite = m.overwrite;
      vocabularyFrom = m.vocabularyFrom.orElse(null);
      tokenizerFrom = m.tokenizerFrom.orElse(null);
      chatTemplate = m.chatTemplate.orElse(null);
      slices.addAll(m.slices);
      tokenizer = m.tokenizer.orElse(null);
    }

    public Builder model(MergeInput input) {
      models.add(Objects.requireNonNull(input, "input"));
      return this;
    }

    /** Adds {@code checkpoint} with weight 1 and density 1. */
    public Builder model(Checkpoint checkpoint) {
      return model(MergeInput.of(checkpoint));
    }

    /** Adds a slice of output layers; see {@link Merge#slices} (a merge has models or slices, not both). */
    public Builder slice(MergeSlice slice) {
      slices.add(Objects.requireNonNull(slice, "slice"));
      return this;
    }

    /** Adds the merged vector to {@code checkpoint} instead of the base; see {@link Merge#target}. */
    public Builder onto(Checkpoint checkpoint) {
      this.target = Objects.requireNonNull(checkpoint, "checkpoint");
      return this;
    }

    /** Merges only tensors whose full name matches {@code regex}. */
    public Builder include(String regex) {
      this.include = Pattern.compile(regex);
      return this;
    }

    /** Copies tensors whose full name matches {@code regex} from the target instead of merging them. */
    public Builder exclude(String regex) {
      this.exclude = regex == null ? null : Pattern.compile(regex);
      this.excludeSet = true;
      return this;
    }

    public Builder dtype(DType outputDtype) {
      this.dtype = outputDtype;
      return this;
    }

    public Builder maxShardSize(long bytes) {
      this.maxShardSize = bytes;
      return this;
    }

    public Builder overwrite(boolean replace) {
      this.overwrite = replace;
      return this;
    }

    /** Lets inputs with different vocabulary sizes merge, taking the vocabulary of {@code checkpoint}; see {@link Merge#vocabularyFrom}. */
    public Builder vocabularyFrom(Checkpoint checkpoint) {
      this.vocabularyFrom = Objects.requireNonNull(checkpoint, "checkpoint");
      return this;
    }

    /** Takes tokenizer files, chat template, generation config and special-token ids from {@code checkpoint}; see {@link Merge#tokenizerFrom}. */
    public Builder tokenizerFrom(Checkpoint checkpoint) {
      this.tokenizerFrom = Objects.requireNonNull(checkpoint, "checkpoint");
      return this;
    }

    /** Builds the output vocabulary from the inputs' tokenizers; see {@link Merge#tokenizer}. */
    public Builder tokenizer(MergeTokenizer vocabulary) {
      this.tokenizer = Objects.requireNonNull(vocabulary, "vocabulary");
      return this;
    }

    /** Gives the output this chat template (Jinja text); see {@link Merge#chatTemplate}. */
    public Builder chatTemplate(String jinja) {
      this.chatTemplate = Objects.requireNonNull(jinja, "jinja");
      return this;
    }

    /**
     * @throws MergeException if no model was added, or a chat vector lacks its target or has more
     *     than one model
     */
    public Merge build() {
      if (method instanceof MergeMethod.ChatVector && target == null) {
        throw new MergeException("chat_vector needs the continually pre-trained model: call onto(cpt)");
      }
      Pattern ex = exclude;
      if (!excludeSet && method instanceof MergeMethod.ChatVector) {
        ex = Pattern.compile(MergeMethod.ChatVector.DEFAULT_SKIP);
      }
      return new Merge(method, base, models, target == null ? base : target, Optional.ofNullable(include),
          Optional.ofNullable(ex), dtype, maxShardSize, overwrite, Optional.ofNullable(vocabularyFrom),
          Optional.ofNullable(tokenizerFrom != null || vocabularyFrom != null || tokenizer != null
              || !(method instanceof MergeMethod.ChatVector) || models.isEmpty()
              ? tokenizerFrom : models.getFirst().checkpoint()), Optional.ofNullable(chatTemplate), slices,
          Optional.ofNullable(tokenizer));
    }
  }
}
