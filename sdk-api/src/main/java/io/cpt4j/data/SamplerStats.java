package io.cpt4j.data;

import java.util.List;
import java.util.Map;

/**
 * What a {@link MixtureSampler} has produced so far. Immutable snapshot.
 *
 * @param rows rows produced
 * @param positions input positions produced (rows × sequence length)
 * @param paddingPositions positions holding padding (unpacked rows)
 * @param ignoredTargets positions whose target is ignored: padding, document-boundary crossings and
 *     metadata prefixes
 * @param truncatedTokens tokens dropped because an unpacked document was longer than a row
 * @param sources per source name, in mixture order
 * @param events exhaustion, restart, drop and stop events in order, e.g. {@code "row 1200: source
 *     'general' exhausted after 1 epoch: dropped"}, rows counted from 0; of the pass ends that
 *     continue (restart, next epoch) the first 1,000 are listed, then a line counting the rest
 */
public record SamplerStats(long rows, long positions, long paddingPositions, long ignoredTargets,
    long truncatedTokens, Map<String, SourceStats> sources, List<String> events) {
  public SamplerStats {
    sources = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sources));
    events = List.copyOf(events);
  }

  /**
   * Counts of one source.
   *
   * @param tokens tokens it placed into rows (metadata prefixes and EOS included, padding not)
   * @param rows rows it filled
   * @param documentsStarted documents begun (a document split across rows counts once)
   * @param epochsCompleted passes over its documents completed
   * @param state "active", "exhausted" (stopped the mixture) or "dropped"
   */
  public record SourceStats(long tokens, long rows, long documentsStarted, int epochsCompleted, String state) {}

  /** Share of positions that carry no loss: ignored targets / positions (0 when nothing was produced). */
  public double wasteFraction() {
    return positions == 0 ? 0 : (double) ignoredTargets / positions;
  }

  /** Share of positions that are padding. */
  public double paddingFraction() {
    return positions == 0 ? 0 : (double) paddingPositions / positions;
  }
}
