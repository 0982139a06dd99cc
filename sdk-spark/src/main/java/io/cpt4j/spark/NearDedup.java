package io.cpt4j.spark;

import java.io.Serializable;

/**
 * Near-duplicate removal with MinHash LSH (Spark ML {@code MinHashLSH}): each document becomes the
 * set of its word {@code shingle}-grams (lower-cased, split at non-word characters), hashed into
 * {@code features} buckets; pairs whose Jaccard similarity is at least {@code threshold} are joined
 * into clusters (connected components) and only the document with the smallest stable id of each
 * cluster is kept, so the result does not depend on partitioning. LSH may miss a pair (more {@code
 * hashTables}: fewer misses, more candidate pairs) but never reports one below the threshold.
 * Documents with fewer than {@code shingle} words have no shingles and are left to exact dedup.
 * Immutable and thread-safe.
 *
 * @param threshold the Jaccard similarity at which two documents are duplicates, in (0, 1]
 * @param shingle words per shingle (default 5)
 * @param hashTables MinHash tables (default 5)
 * @param features hash buckets for shingles (default 2^20)
 * @param seed the MinHash seed (default 42)
 */
public record NearDedup(double threshold, int shingle, int hashTables, int features, long seed) implements Serializable {
  public NearDedup {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("near-dedup threshold must be in (0, 1], got " + threshold);
    }
    if (shingle < 1 || hashTables < 1 || features < 2) {
      throw new IllegalArgumentException("shingle and hashTables must be >= 1 and features >= 2, got " + shingle
          + ", " + hashTables + ", " + features);
    }
  }

  /** Jaccard {@code threshold} with 5-word shingles, 5 hash tables, 2^20 buckets, seed 42. */
  public static NearDedup jaccard(double threshold) {
    return new NearDedup(threshold, 5, 5, 1 << 20, 42);
  }

  /** A copy with {@code n} words per shingle. */
  public NearDedup shingleWords(int n) {
    return new NearDedup(threshold, n, hashTables, features, seed);
  }
}
