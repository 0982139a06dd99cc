package io.cpt4j.merge;

import io.cpt4j.spi.Providers;
import java.util.List;

/**
 * The result of a {@link VectorSimilarity}: statistics over the whole vectors, per layer and per
 * tensor (definitions there). Immutable; undefined values are NaN (null in JSON).
 *
 * @param labels the vectors' labels, in order; pairs refer to them by index
 * @param topFraction the fraction of the compared top-k masks
 * @param overall all tensors together
 * @param layers per group of tensors: "embeddings", "layer 0" … "layer N-1", "head" (those present)
 * @param tensors per tensor, in the first vector's order
 */
public record SimilarityReport(
    List<String> labels, double topFraction, Group overall, List<Group> layers, List<Group> tensors) {

  public SimilarityReport {
    labels = List.copyOf(labels);
    layers = List.copyOf(layers);
    tensors = List.copyOf(tensors);
  }

  /**
   * Statistics of one group of entries.
   *
   * @param name a tensor name, a layer group name, or "all"
   * @param elements entries per vector in the group
   * @param norms the L2 norm of each vector over the group, in label order
   * @param pairs one entry per pair {@code i < j}, ordered by {@code i} then {@code j}
   */
  public record Group(String name, long elements, List<Double> norms, List<Pair> pairs) {
    public Group {
      norms = List.copyOf(norms);
      pairs = List.copyOf(pairs);
    }

    /**
     * The statistics of vectors {@code i} and {@code j} (either order).
     *
     * @throws IllegalArgumentException if there is no such pair
     */
    public Pair pair(int i, int j) {
      int a = Math.min(i, j);
      int b = Math.max(i, j);
      return pairs.stream().filter(p -> p.first() == a && p.second() == b).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no pair (" + i + ", " + j + ")"));
    }
  }

  /**
   * Pairwise statistics of vectors {@code first < second}.
   *
   * @param cosine cosine similarity
   * @param signAgreement fraction of same-sign entries among those non-zero in both
   * @param topOverlap Jaccard index of the top-k masks
   * @param bothNonZero entries non-zero in both (the sign agreement's denominator)
   */
  public record Pair(int first, int second, double cosine, double signAgreement, double topOverlap, long bothNonZero) {}

  /** The report as indented JSON (Jackson), NaN written as null. */
  public String toJson() {
    return Providers.merge().similarityJson(this);
  }

  /**
   * A text table: norms and one row per pair for the whole model and each layer (tensors are in the
   * JSON only).
   */
  public String toTable() {
    return Providers.merge().similarityTable(this);
  }
}
