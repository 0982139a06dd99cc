package io.cpt4j.data;

import io.cpt4j.backend.Batch;
import io.cpt4j.spi.Providers;
import java.util.List;

/**
 * Draws packed batches from a {@link Mixture} over prepared {@link TokenDataset}s. Each row comes
 * from one source; the source of the next row is the one furthest behind its scheduled token share
 * (the error-minimising choice of Megatron's blended datasets). The scheduled share grows, row by
 * row, by the row's tokens times the weights at the progress before the row, so over any stretch of
 * rows each source's realised tokens differ from its scheduled tokens by at most {@code K} rows'
 * worth ({@code K} sources, weights positive): 0.4 % of a window of 100 batches of 8 rows with 3
 * sources. Every random choice derives from the mixture's seed.
 *
 * <p>Deterministic and resumable: {@link #saveState()} captures everything that decides future
 * batches (as JSON, for the trainer checkpoint) and {@link #restoreState} on a sampler created from
 * the same mixture, datasets, packing and plan continues with exactly the batches the original would
 * have produced.
 *
 * <p>Not thread-safe: one sampler feeds one training loop.
 */
public interface MixtureSampler {
  /**
   * A sampler for {@code mixture}, whose components are read from {@code datasets} (one per
   * component, in order). {@code plannedTokens} (&gt; 0) is the run's token budget that schedule
   * progress and metadata conditioning are measured against.
   *
   * @throws IllegalArgumentException if the datasets do not match the components in number, a
   *     dataset is empty, a subset asks for more documents than its dataset has, or {@code
   *     plannedTokens} is not positive
   */
  static MixtureSampler create(Mixture mixture, List<TokenDataset> datasets, Packing packing, long plannedTokens) {
    return Providers.data().sampler(mixture, datasets, packing, plannedTokens);
  }

  /** False once a source exhausted with {@link Limits.Exhaustion#STOP}, or every source was dropped. */
  boolean hasNext();

  /**
   * The next batch of {@code rows} rows of {@link Packing#sequenceLength()} positions, with
   * document ids, ignored targets and loss weights as described in {@link Packing}. When the mixture
   * stops within the batch, its remaining rows are padding (every target ignored), so the batch
   * keeps its shape, and {@link #hasNext()} is false afterwards.
   *
   * @throws IllegalArgumentException if {@code rows < 1}
   * @throws java.util.NoSuchElementException if {@link #hasNext()} is false
   */
  Batch next(int rows);

  /**
   * Tokens placed into rows so far (padding excluded), the measure of schedule progress. A row
   * holds {@code sequenceLength + 1} tokens; in packed rows the first is carried over from the
   * source's previous row and counted there, so a source's first row counts {@code sequenceLength +
   * 1} tokens and its later full rows {@code sequenceLength}.
   */
  long tokensProduced();

  /** {@link #tokensProduced()} / planned tokens, capped at 1. */
  double progress();

  /** Counts so far: per source and for padding and ignored targets. */
  SamplerStats stats();

  /** The full sampler state as JSON. */
  String saveState();

  /**
   * Replaces this sampler's state with a saved one.
   *
   * @throws DataException if the state is malformed or was saved by a sampler of another mixture,
   *     datasets or packing
   */
  void restoreState(String json);
}
