package io.cpt4j.spark;

import java.io.Serializable;

/**
 * In-Context Pretraining order (Shi et al. 2023, "In-Context Pretraining: Language Modeling Beyond
 * Document Boundaries"): the kept documents are written in an order where related ones follow each
 * other, so that packed context windows hold related documents, and the dataset is marked {@code
 * "ordered": true} so the sampler reads it in that order instead of shuffling it.
 *
 * <p>Similarity is the Jaccard similarity of the documents' sets of lower-cased word {@code
 * shingle}-grams (English stop words removed), found with the same Spark ML {@code MinHashLSH} as
 * {@link NearDedup} but at a loose {@code minSimilarity}; each document keeps its {@code neighbours}
 * most similar documents (ties: smaller stable id). The order is then the paper's greedy traversal of
 * that graph: start at the unvisited document of smallest degree (ties: smallest id), repeatedly move
 * to the most similar unvisited neighbour, and when there is none jump to the next unvisited document
 * of smallest degree. Every document is visited exactly once, so nothing is repeated or dropped; the
 * order depends only on the documents and these settings, not on partitioning. Immutable and
 * thread-safe.
 *
 * @param neighbours similar documents kept per document, k (default 10)
 * @param minSimilarity the Jaccard similarity below which two documents are not neighbours, in (0, 1]
 *     (default 0.1)
 * @param shingle words per shingle (default 1: word sets)
 * @param hashTables MinHash tables (default 10; more: fewer missed neighbours, more candidate pairs)
 * @param features hash buckets for shingles (default 2^20)
 * @param seed the MinHash seed (default 42)
 */
public record InContextOrder(int neighbours, double minSimilarity, int shingle, int hashTables, int features,
    long seed) implements Serializable {
  public InContextOrder {
    if (neighbours < 1) {
      throw new IllegalArgumentException("in-context order needs neighbours >= 1, got " + neighbours);
    }
    if (!(minSimilarity > 0 && minSimilarity <= 1)) {
      throw new IllegalArgumentException("in-context minSimilarity must be in (0, 1], got " + minSimilarity);
    }
    if (shingle < 1 || hashTables < 1 || features < 2) {
      throw new IllegalArgumentException("shingle and hashTables must be >= 1 and features >= 2, got " + shingle
          + ", " + hashTables + ", " + features);
    }
  }

  /** {@code k} neighbours per document, Jaccard of word sets >= 0.1, 10 hash tables, 2^20 buckets, seed 42. */
  public static InContextOrder minHash(int k) {
    return new InContextOrder(k, 0.1, 1, 10, 1 << 20, 42);
  }

  /** A copy whose neighbours need Jaccard similarity at least {@code s}. */
  public InContextOrder minSimilarity(double s) {
    return new InContextOrder(neighbours, s, shingle, hashTables, features, seed);
  }
}
