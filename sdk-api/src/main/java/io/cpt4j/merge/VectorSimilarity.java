package io.cpt4j.merge;

import io.cpt4j.spi.Providers;
import java.util.List;
import java.util.Objects;

/**
 * Compares two or more task vectors (usually against one base): norms, pairwise cosine similarity,
 * sign agreement and the overlap of their top-k masks, per tensor, per layer and over the whole
 * model. Use it to check claims like "the instruction and the domain vectors are nearly orthogonal".
 *
 * <pre>{@code
 * SimilarityReport r = VectorSimilarity.of(List.of(TaskVector.between(base, instruct),
 *     TaskVector.between(base, cpt)), List.of("instruct", "cpt")).compute();
 * System.out.print(r.toTable());
 * }</pre>
 *
 * <p>Definitions, for vectors {@code a} and {@code b} restricted to a group of entries (a tensor, a
 * layer's tensors, or all tensors), accumulated in float64 over the float32 vector values:
 *
 * <ul>
 *   <li>norm: {@code ‖a‖ = sqrt(Σ aᵢ²)};
 *   <li>cosine: {@code Σ aᵢbᵢ / (‖a‖·‖b‖)}, NaN when either norm is 0;
 *   <li>sign agreement: among the entries where both {@code aᵢ ≠ 0} and {@code bᵢ ≠ 0}, the fraction
 *       with the same sign (0.5 for independent random vectors); NaN when there are none;
 *   <li>top-k overlap: in each tensor of {@code n} elements, {@code Tₐ} is the set of the {@code k =
 *       ⌊topFraction·n⌋} entries of largest {@code |aᵢ|} (ties at the threshold taken in index
 *       order), without its zero entries (so a sparse vector's mask is not padded with arbitrary
 *       zeros); the overlap is the Jaccard index {@code |Tₐ ∩ T_b| / |Tₐ ∪ T_b|}, pooled over a
 *       group's tensors as {@code Σ|∩| / Σ|∪|}; NaN when the union is empty.
 * </ul>
 *
 * <p>Layers are the tensors named {@code …layers.N.…} (or {@code h.N.}); tensors before them
 * ({@code embed…}) form the group "embeddings", the rest (final norm, LM head) "head". The vectors
 * must have the same tensor names and shapes. Each tensor is read a few times (selection of the
 * top-k threshold, then one pass for the statistics), chunk by chunk; tensors are processed in
 * parallel. Immutable and thread-safe.
 *
 * @param vectors at least two task vectors
 * @param labels one distinct name per vector, used in the report
 * @param topFraction the fraction {@code k/n} of the top-k masks, in (0, 1]; default 0.01
 */
public record VectorSimilarity(List<TaskVector> vectors, List<String> labels, double topFraction) {

  /** The default fraction of the top-k masks compared. */
  public static final double DEFAULT_TOP_FRACTION = 0.01;

  public VectorSimilarity {
    vectors = List.copyOf(vectors);
    labels = List.copyOf(labels);
    if (vectors.size() < 2) {
      throw new MergeException("similarity needs at least two task vectors, got " + vectors.size());
    }
    if (labels.size() != vectors.size()) {
      throw new MergeException(vectors.size() + " task vectors but " + labels.size() + " labels");
    }
    if (new java.util.HashSet<>(labels).size() != labels.size()) {
      throw new MergeException("labels must be distinct, got " + labels);
    }
    if (!(topFraction > 0 && topFraction <= 1)) {
      throw new MergeException("top fraction must be in (0, 1], got " + topFraction);
    }
  }

  /** The vectors with their labels and the default top fraction. */
  public static VectorSimilarity of(List<TaskVector> vectors, List<String> labels) {
    return new VectorSimilarity(vectors, labels, DEFAULT_TOP_FRACTION);
  }

  /** A copy comparing top-k masks of this fraction. */
  public VectorSimilarity topFraction(double fraction) {
    return new VectorSimilarity(vectors, labels, fraction);
  }

  /**
   * Computes the report.
   *
   * @throws MergeException if the vectors' tensor names or shapes differ (listing the first
   *     mismatches)
   */
  public SimilarityReport compute() {
    Objects.requireNonNull(vectors);
    return Providers.merge().similarity(this);
  }
}
