package io.cpt4j.merge.internal;

/**
 * Exact selection of the k-th largest magnitude among values streamed in chunks, without holding
 * them: a two-pass radix selection on the bits of {@code |x|} (for non-negative floats the IEEE bit
 * pattern orders like the value). Pass 1 histograms the high 16 bits, pass 2 the low 16 bits of the
 * values in the bucket that holds the k-th largest. Memory: two 65,536-entry histograms. NaN
 * magnitudes rank above +∞. Stateless and thread-safe.
 */
final class MagnitudeSelect {
  private static final int BUCKETS = 1 << 16;

  private MagnitudeSelect() {}

  /** Receives one chunk: {@code values[0..length)}. */
  interface ChunkConsumer {
    void accept(float[] values, int length);
  }

  /**
   * Streams all values once per call, chunk by chunk, in any order and chunking (it is called twice);
   * calls must see the same values.
   */
  interface ChunkSource {
    void forEachChunk(ChunkConsumer consumer);
  }

  /** The result: the k-th largest magnitude and how many values are strictly greater. */
  record Threshold(float magnitude, long greater) {
    /** Values equal to {@link #magnitude} still to keep, in stream order, to keep exactly {@code k}. */
    long equalToKeep(long k) {
      return k - greater;
    }
  }

  /**
   * The {@code k}-th largest {@code |x|} (1-based: {@code k = 1} is the maximum).
   *
   * @param count the number of values the source yields
   * @throws IllegalArgumentException unless {@code 1 ≤ k ≤ count}
   */
  static Threshold kthLargest(ChunkSource source, long count, long k) {
    if (k < 1 || k > count) {
      throw new IllegalArgumentException("k = " + k + " outside [1, " + count + "]");
    }
    long[] high = new long[BUCKETS];
    source.forEachChunk((v, n) -> {
      synchronized (high) {
        for (int i = 0; i < n; i++) {
          high[(Float.floatToRawIntBits(v[i]) & 0x7fffffff) >>> 16]++;
        }
      }
    });
    long above = 0;
    int hb = BUCKETS - 1;
    while (above + high[hb] < k) {
      above += high[hb];
      hb--;
    }
    final int bucket = hb;
    final long greaterThanBucket = above;
    long[] low = new long[BUCKETS];
    source.forEachChunk((v, n) -> {
      synchronized (low) {
        for (int i = 0; i < n; i++) {
          int bits = Float.floatToRawIntBits(v[i]) & 0x7fffffff;
          if (bits >>> 16 == bucket) {
            low[bits & 0xffff]++;
          }
        }
      }
    });
    long greater = greaterThanBucket;
    int lb = BUCKETS - 1;
    while (greater + low[lb] < k) {
      greater += low[lb];
      lb--;
    }
    return new Threshold(Float.intBitsToFloat((bucket << 16) | lb), greater);
  }
}
