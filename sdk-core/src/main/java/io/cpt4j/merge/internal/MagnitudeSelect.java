package io.cpt4j.merge.internal;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Exact selection of the {@code k} entries of largest magnitude among values streamed in blocks,
 * without holding them: a two-pass radix selection on the bits of {@code |x|} (for non-negative
 * floats the IEEE bit pattern orders like the value). Pass 1 histograms the high 16 bits, pass 2
 * the low 16 bits of the values in the bucket that holds the k-th largest; when values equal to the
 * threshold must be split (some kept, some not), pass 3 counts them per block to find the index of
 * the first one dropped. Entries are ranked by magnitude, ties by index (earlier first), so the
 * selection keeps exactly {@code k}. NaN magnitudes rank above +∞.
 *
 * <p>Passes run in parallel over contiguous ranges; memory is two buffers of {@link #BLOCK} floats
 * and one or two 65,536-entry histograms per task. Stateless and thread-safe.
 */
final class MagnitudeSelect {
  private static final int BUCKETS = 1 << 16;

  /** Default elements read per call of the source. */
  static final int BLOCK = 1 << 16;

  private MagnitudeSelect() {}

  /**
   * Supplies the ranked values of range {@code [from, from + length)} into {@code dst[0..length)};
   * {@code scratch} is a second buffer of at least {@code length} floats it may use. Called from
   * several threads at once, and several times for the same range: it must return the same values.
   */
  interface RangeSource {
    void read(long from, int length, float[] dst, float[] scratch);
  }

  /** The k-th largest magnitude and how many values are strictly greater. */
  record Threshold(float magnitude, long greater) {
    /** Values equal to {@link #magnitude} still to keep, in index order, to keep exactly {@code k}. */
    long equalToKeep(long k) {
      return k - greater;
    }
  }

  /**
   * The set of the {@code k} largest magnitudes: entry {@code i} with magnitude bits {@code b} (the
   * float bits of {@code |x|}) is in it when {@code b > bits}, or {@code b == bits} and {@code i <
   * cutoff}.
   */
  record TopMask(int bits, long cutoff) {
    /** Holds every entry. */
    static final TopMask ALL = new TopMask(-1, 0);
    /** Holds no entry. */
    static final TopMask NONE = new TopMask(Integer.MAX_VALUE, 0);

    boolean holds(float value, long index) {
      int b = Float.floatToRawIntBits(value) & 0x7fffffff;
      return b > bits || (b == bits && index < cutoff);
    }

    /** Zeroes the entries of {@code d[0..n)} (indices {@code from..}) that are not in the set. */
    void retain(float[] d, long from, int n) {
      int lim = (int) Math.clamp(cutoff - from, 0, n);
      int t = bits;
      for (int i = 0; i < lim; i++) {
        d[i] = (Float.floatToRawIntBits(d[i]) & 0x7fffffff) >= t ? d[i] : 0;
      }
      for (int i = lim; i < n; i++) {
        d[i] = (Float.floatToRawIntBits(d[i]) & 0x7fffffff) > t ? d[i] : 0;
      }
    }

    /** Zeroes the entries of {@code d[0..n)} (indices {@code from..}) that are in the set. */
    void zeroHeld(float[] d, long from, int n) {
      int lim = (int) Math.clamp(cutoff - from, 0, n);
      int t = bits;
      for (int i = 0; i < lim; i++) {
        d[i] = (Float.floatToRawIntBits(d[i]) & 0x7fffffff) >= t ? 0 : d[i];
      }
      for (int i = lim; i < n; i++) {
        d[i] = (Float.floatToRawIntBits(d[i]) & 0x7fffffff) > t ? 0 : d[i];
      }
    }
  }

  /**
   * The {@code k}-th largest {@code |x|} (1-based: {@code k = 1} is the maximum).
   *
   * @throws IllegalArgumentException unless {@code 1 ≤ k ≤ count}
   */
  static Threshold kthLargest(RangeSource source, long count, long k) {
    if (k < 1 || k > count) {
      throw new IllegalArgumentException("k = " + k + " outside [1, " + count + "]");
    }
    Selection s = select(source, count, BLOCK, new long[] {k});
    return new Threshold(Float.intBitsToFloat(s.bits[0]), s.greater[0]);
  }

  /**
   * For each {@code k} of {@code ks} the set of the {@code k} entries of largest magnitude ({@code
   * k ≤ 0}: none; {@code k ≥ count}: all). Reads the source two or three times.
   */
  static TopMask[] top(RangeSource source, long count, int block, long... ks) {
    TopMask[] out = new TopMask[ks.length];
    long[] inner = Arrays.stream(ks).filter(k -> k > 0 && k < count).toArray();
    Selection s = inner.length == 0 ? null : select(source, count, block, inner);
    long[] cutoffs = s == null ? null : cutoffs(source, count, block, inner, s);
    for (int j = 0, i = 0; j < ks.length; j++) {
      if (ks[j] <= 0) {
        out[j] = TopMask.NONE;
      } else if (ks[j] >= count) {
        out[j] = TopMask.ALL;
      } else {
        out[j] = new TopMask(s.bits[i], cutoffs[i]);
        i++;
      }
    }
    return out;
  }

  /** Thresholds: per k its magnitude bits, the count strictly greater and the count equal. */
  private record Selection(int[] bits, long[] greater, long[] equal) {}

  private static Selection select(RangeSource source, long count, int block, long[] ks) {
    Ranges r = new Ranges(count, block);
    long[][] highs = new long[r.tasks][];
    r.run((task, from, to) -> {
      long[] h = new long[BUCKETS];
      r.stream(source, from, to, (v, n) -> {
        for (int i = 0; i < n; i++) {
          h[(Float.floatToRawIntBits(v[i]) & 0x7fffffff) >>> 16]++;
        }
      });
      highs[task] = h;
    });
    long[] high = sum(highs);
    int m = ks.length;
    int[] bucket = new int[m];
    long[] above = new long[m];
    for (int j = 0; j < m; j++) {
      int hb = BUCKETS - 1;
      long a = 0;
      while (a + high[hb] < ks[j]) {
        a += high[hb];
        hb--;
      }
      bucket[j] = hb;
      above[j] = a;
    }
    int[] distinct = Arrays.stream(bucket).distinct().toArray();
    long[][][] lows = new long[r.tasks][][];
    r.run((task, from, to) -> {
      long[][] l = new long[distinct.length][BUCKETS];
      r.stream(source, from, to, (v, n) -> {
        for (int d = 0; d < distinct.length; d++) {
          long[] ld = l[d];
          int bucketBits = distinct[d];
          for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(v[i]) & 0x7fffffff;
            if (bits >>> 16 == bucketBits) {
              ld[bits & 0xffff]++;
            }
          }
        }
      });
      lows[task] = l;
    });
    int[] bits = new int[m];
    long[] greater = new long[m];
    long[] equal = new long[m];
    for (int j = 0; j < m; j++) {
      int d = 0;
      while (distinct[d] != bucket[j]) {
        d++;
      }
      final int dd = d;
      long[] low = sum(Arrays.stream(lows).map(l -> l[dd]).toArray(long[][]::new));
      long g = above[j];
      int lb = BUCKETS - 1;
      while (g + low[lb] < ks[j]) {
        g += low[lb];
        lb--;
      }
      bits[j] = (bucket[j] << 16) | lb;
      greater[j] = g;
      equal[j] = low[lb];
    }
    return new Selection(bits, greater, equal);
  }

  /** Per k the index of the first threshold-equal entry not kept ({@code count} if all are kept). */
  private static long[] cutoffs(RangeSource source, long count, int block, long[] ks, Selection s) {
    long[] cut = new long[ks.length];
    for (int j = 0; j < ks.length; j++) {
      long toKeep = ks[j] - s.greater[j];
      if (toKeep >= s.equal[j]) {
        cut[j] = count;
        continue;
      }
      int bits = s.bits[j];
      int blocks = (int) ((count + block - 1) / block);
      long[] perBlock = new long[blocks];
      Ranges r = new Ranges(count, block);
      r.run((task, from, to) -> r.stream(source, from, to, new Ranges.Chunks() {
        long at = from;

        @Override
        public void accept(float[] v, int n) {
          long c = 0;
          for (int i = 0; i < n; i++) {
            c += (Float.floatToRawIntBits(v[i]) & 0x7fffffff) == bits ? 1 : 0;
          }
          perBlock[(int) (at / block)] = c;
          at += n;
        }
      }));
      long seen = 0;
      int b = 0;
      while (seen + perBlock[b] <= toKeep) {
        seen += perBlock[b];
        b++;
      }
      long from = (long) b * block;
      int n = (int) Math.min(block, count - from);
      float[] v = new float[n];
      source.read(from, n, v, new float[n]);
      int i = 0;
      for (; ; i++) {
        if ((Float.floatToRawIntBits(v[i]) & 0x7fffffff) == bits && seen++ == toKeep) {
          break;
        }
      }
      cut[j] = from + i;
    }
    return cut;
  }

  private static long[] sum(long[][] parts) {
    long[] out = new long[BUCKETS];
    for (long[] p : parts) {
      for (int i = 0; i < BUCKETS; i++) {
        out[i] += p[i];
      }
    }
    return out;
  }

  /** {@code [0, count)} split into block-aligned contiguous ranges, a few per core. */
  private static final class Ranges {
    final long count;
    final int tasks;
    final long perTask;
    final int block;

    interface Body {
      void run(int task, long from, long to);
    }

    interface Chunks {
      void accept(float[] values, int length);
    }

    Ranges(long count, int block) {
      this.count = count;
      this.block = block;
      long blocks = (count + block - 1) / block;
      int want = (int) Math.max(1, Math.min(blocks, 4L * Runtime.getRuntime().availableProcessors()));
      long blocksPerTask = (blocks + want - 1) / want;
      this.perTask = blocksPerTask * block;
      this.tasks = (int) ((count + perTask - 1) / perTask);
    }

    void run(Body body) {
      IntStream.range(0, tasks).parallel()
          .forEach(t -> body.run(t, t * perTask, Math.min(count, (t + 1) * perTask)));
    }

    /** Reads {@code [from, to)} block by block (blocks start at multiples of {@link #block}). */
    void stream(RangeSource source, long from, long to, Chunks sink) {
      int len = (int) Math.min(block, to - from);
      float[] v = new float[len];
      float[] scratch = new float[len];
      for (long at = from; at < to; at += block) {
        int n = (int) Math.min(block, to - at);
        source.read(at, n, v, scratch);
        sink.accept(v, n);
      }
    }
  }
}
