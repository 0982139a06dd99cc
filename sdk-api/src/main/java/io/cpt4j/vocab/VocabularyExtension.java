package io.cpt4j.vocab;

import io.cpt4j.data.Source;
import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Vocabulary extension: learns new BPE tokens on a domain corpus on top of a model's tokenizer and
 * writes the model with its embedding (and untied LM head) resized, so that domain text takes fewer
 * tokens (Cabrita; FVT, Gee et al. 2022).
 *
 * <pre>{@code
 * VocabularyReport r = VocabularyExtension.of(Path.of("models/base"))
 *     .corpus(Source.text("data/finance")).add(2000)
 *     .writeTo(Path.of("models/base-finance-vocab"));
 * }</pre>
 *
 * <p>Training continues where the base's BPE stopped: the corpus is pre-tokenized as the base
 * tokenizer does it, each word tokenized with the existing merges, and the most frequent adjacent
 * pair of tokens repeatedly becomes a new merge whose token is the two strings joined, until {@link
 * #add} tokens were added or the best pair occurs fewer than {@link #minFrequency} times. Ties go to
 * the pair whose first token string, then second, is smallest ({@link String#compareTo}), so the
 * result is deterministic. A pair that would spell a token already in the vocabulary is never
 * merged, so the new merges only ever apply after all old ones: text whose tokens form none of the
 * new pairs is tokenized to exactly the same ids as before. Byte-level BPE (GPT-2, Llama 3, Qwen)
 * and SentencePiece-style BPE with byte fallback (Llama 2, Mistral) are supported; byte-fallback
 * tokens are never merged (characters outside the base alphabet stay bytes).
 *
 * <p>The output: {@code tokenizer.json} with the merges appended to {@code model.merges} and the
 * tokens to {@code model.vocab}, their ids following the largest id in use, added tokens included
 * (every existing id, special tokens and {@code tokenizer_config.json} unchanged); {@code
 * config.json} with {@code vocab_size} = max(old {@code vocab_size}, largest id + 1), so padding rows
 * the base already has are used first; new token k in row k, initialised as the float64 mean of the
 * rows of the old tokens it replaces (for the embedding and an untied head separately; a tied head
 * stays tied); every old token's rows bit-identical. Tensors stream from the memory-mapped base into
 * shards written under a temporary name and renamed.
 *
 * <p>Token ids must fit the type token shards store them in: a base whose tokenizer fits uint16
 * (at most 65,536 ids) may not grow past it unless {@link #allowWiderTokenIds} is set (its shards
 * then take 4 bytes a token), and no vocabulary may exceed {@link Integer#MAX_VALUE} ids. Checked
 * before the corpus is read.
 *
 * <p>Defaults: {@code minFrequency} 2, no wider token ids, an existing non-empty output refused.
 * {@link #corpus} and {@link #add} must be set. Immutable builder; thread-safe.
 */
public final class VocabularyExtension {
  private final Path base;
  private final List<Source> corpus;
  private final int add;
  private final int minFrequency;
  private final boolean widerTokenIds;
  private final boolean overwrite;

  private VocabularyExtension(Path base, List<Source> corpus, int add, int minFrequency, boolean widerTokenIds,
      boolean overwrite) {
    this.base = base;
    this.corpus = List.copyOf(corpus);
    this.add = add;
    this.minFrequency = minFrequency;
    this.widerTokenIds = widerTokenIds;
    this.overwrite = overwrite;
  }

  /** Extension of the checkpoint in {@code base} (a directory with {@code tokenizer.json}). */
  public static VocabularyExtension of(Path base) {
    return new VocabularyExtension(Objects.requireNonNull(base, "base"), List.of(), 0, 2, false, false);
  }

  /** Learn on these documents (replacing any corpus set before). */
  public VocabularyExtension corpus(Source... sources) {
    return corpus(Arrays.asList(sources));
  }

  /** Learn on these documents (replacing any corpus set before). */
  public VocabularyExtension corpus(List<Source> sources) {
    for (Source s : sources) {
      Objects.requireNonNull(s, "corpus source");
    }
    return new VocabularyExtension(base, sources, add, minFrequency, widerTokenIds, overwrite);
  }

  /** Learn on plain-text files, directories or globs, one document a file ({@link Source#text(Path)}). */
  public VocabularyExtension corpus(Path... files) {
    return corpus(Arrays.stream(files).map(Source::text).toList());
  }

  /** Add at most {@code tokens} new tokens (fewer if pairs run out below {@link #minFrequency}). */
  public VocabularyExtension add(int tokens) {
    if (tokens < 1) {
      throw new IllegalArgumentException("add must be at least 1 token, got " + tokens);
    }
    return new VocabularyExtension(base, corpus, tokens, minFrequency, widerTokenIds, overwrite);
  }

  /** Stop once the most frequent pair occurs fewer than {@code count} times (default 2). */
  public VocabularyExtension minFrequency(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("minFrequency must be at least 1, got " + count);
    }
    return new VocabularyExtension(base, corpus, add, count, widerTokenIds, overwrite);
  }

  /** Let a vocabulary that fits uint16 token shards grow past 65,536 ids (default false: refused). */
  public VocabularyExtension allowWiderTokenIds(boolean allow) {
    return new VocabularyExtension(base, corpus, add, minFrequency, allow, overwrite);
  }

  /** Replace an existing non-empty output directory (default false: refused). */
  public VocabularyExtension overwrite(boolean replace) {
    return new VocabularyExtension(base, corpus, add, minFrequency, widerTokenIds, replace);
  }

  public Path base() {
    return base;
  }

  public List<Source> corpus() {
    return corpus;
  }

  /** The most tokens to add; 0 until {@link #add(int)} is called. */
  public int tokensToAdd() {
    return add;
  }

  public int minFrequency() {
    return minFrequency;
  }

  public boolean allowsWiderTokenIds() {
    return widerTokenIds;
  }

  public boolean overwrites() {
    return overwrite;
  }

  /**
   * Learns the tokens and writes the extended checkpoint to {@code output}.
   *
   * @throws VocabularyException if {@code add} or the corpus is unset, the tokenizer is not a
   *     supported BPE, the vocabulary would outgrow its token-id type, the output exists, or no pair
   *     occurs {@code minFrequency} times; nothing is written then
   * @throws io.cpt4j.data.DataException if the corpus cannot be read
   * @throws io.cpt4j.checkpoint.CheckpointException if the base cannot be read or the output written
   */
  public VocabularyReport writeTo(Path output) {
    Objects.requireNonNull(output, "output");
    if (add < 1) {
      throw new VocabularyException("set add(n): the number of tokens to learn");
    }
    if (corpus.isEmpty()) {
      throw new VocabularyException("set corpus(...): the domain text to learn the new tokens on");
    }
    return Providers.vocabulary().extend(this, output);
  }
}
