package io.cpt4j.data.internal;

import java.util.Arrays;

/**
 * The order in which one mixture component reads its documents, pass by pass. Recomputed from the
 * seed, never stored: a restored sampler asks for the same pass and gets the same order.
 *
 * <p>Seed derivation, with {@code mix} the SplitMix64 finaliser (a bijection on 64-bit values):
 * {@code componentSeed = mix(mix(mixtureSeed) + componentIndex)}; pass {@code p} (0-based) is
 * shuffled by a SplitMix64 generator seeded with {@code mix(componentSeed + p)}, and the subset by
 * one seeded with {@code mix(componentSeed - 1)}. The shuffle is Fisher–Yates from the last index
 * down, with bounded integers drawn by rejection (no modulo bias), so the orders depend only on
 * these formulas and not on the JDK's random generators.
 *
 * <p>Without a subset, pass {@code p} is a permutation of all document indices. With a subset of
 * {@code N}, the first {@code N} indices of a shuffle of all documents (sorted ascending) are the
 * pool for every pass, and each pass is a shuffle of that pool.
 *
 * <p>{@link #stored} keeps a dataset's stored order: the subset is drawn as above, but passes are not
 * shuffled. {@link #inDatasetOrder} is the unshuffled order of a fixed evaluation set ({@link DatasetPass}):
 * every pass reads documents {@code 0, 1, ..., n - 1}. Not thread-safe.
 */
final class DocumentOrder {
  private final long componentSeed;
  private final int documents;
  private final int[] subset; // ascending, or null for all documents
  private final boolean shuffled;
  private int cachedPass = -1;
  private int[] cached;

  DocumentOrder(long mixtureSeed, int component, int documentCount, int subsetDocuments) {
    this(mixtureSeed, component, documentCount, subsetDocuments, true);
  }

  private DocumentOrder(long mixtureSeed, int component, int documentCount, int subsetDocuments, boolean shuffled) {
    this.componentSeed = mix(mix(mixtureSeed) + component);
    this.documents = documentCount;
    this.shuffled = shuffled;
    if (subsetDocuments > 0 && subsetDocuments < documentCount) {
      Rng rng = new Rng(mix(componentSeed - 1));
      int[] all = identity(documentCount);
      for (int i = 0; i < subsetDocuments; i++) { // partial Fisher–Yates from the front
        swap(all, i, i + rng.nextInt(documentCount - i));
      }
      subset = Arrays.copyOf(all, subsetDocuments);
      Arrays.sort(subset);
    } else {
      subset = null;
    }
  }

  private DocumentOrder(int documentCount) {
    this.componentSeed = 0;
    this.documents = documentCount;
    this.subset = null;
    this.shuffled = false;
  }

  /**
   * The order of a dataset that declares its stored order meaningful ({@code "ordered": true} in
   * {@code dataset.json}, e.g. an In-Context Pretraining order): the same subset as the shuffled
   * order, but every pass reads it ascending, so consecutive documents stay consecutive.
   */
  static DocumentOrder stored(long mixtureSeed, int component, int documentCount, int subsetDocuments) {
    return new DocumentOrder(mixtureSeed, component, documentCount, subsetDocuments, false);
  }

  /** Every document in every pass, in dataset order: {@code 0, 1, ..., documentCount - 1}. */
  static DocumentOrder inDatasetOrder(int documentCount) {
    return new DocumentOrder(documentCount);
  }

  /** Documents per pass. */
  int size() {
    return subset == null ? documents : subset.length;
  }

  /** The document read {@code k}-th in pass {@code pass} ({@code k < size()}). */
  int document(int pass, int k) {
    return shuffled ? pass(pass)[k] : k;
  }

  /** Document indices of pass {@code pass} in reading order (the latest pass is cached; do not modify). */
  int[] pass(int pass) {
    if (pass != cachedPass) {
      int[] order = subset == null ? identity(documents) : subset.clone();
      if (shuffled) {
        Rng rng = new Rng(mix(componentSeed + pass));
        for (int i = order.length - 1; i > 0; i--) {
          swap(order, i, rng.nextInt(i + 1));
        }
      }
      cached = order;
      cachedPass = pass;
    }
    return cached;
  }

  /** The documents of the subset in ascending order, or null when every document is used. */
  int[] subset() {
    return subset == null ? null : subset.clone();
  }

  private static int[] identity(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  private static void swap(int[] a, int i, int j) {
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
  }

  /** The SplitMix64 finaliser. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** SplitMix64: a tiny generator whose sequence is fixed by its seed. */
  static final class Rng {
    private long state;

    Rng(long seed) {
      state = seed;
    }

    long nextLong() {
      state += 0x9e3779b97f4a7c15L;
      return mix(state);
    }

    /** Uniform in [0, bound), bound in [1, 2^31 - 1], by rejection of the biased top range. */
    int nextInt(int bound) {
      int m = bound - 1;
      int u = (int) (nextLong() >>> 33);
      int r = u % bound;
      while (u - r + m < 0) {
        u = (int) (nextLong() >>> 33);
        r = u % bound;
      }
      return r;
    }
  }
}
