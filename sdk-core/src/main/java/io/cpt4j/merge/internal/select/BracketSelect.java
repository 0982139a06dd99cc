package io.cpt4j.merge.internal.select;

import io.cpt4j.merge.internal.select.MagnitudeSelect.RangeSource;
import io.cpt4j.merge.internal.select.MagnitudeSelect.TopMask;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.IntStream;

/**
 * The fast path of {@link MagnitudeSelect#top}: exact top-k sets in about one read of the data. A
 * sample of evenly spaced blocks brackets each threshold {@code [lo, hi]} (magnitude bits) with a
 * generous margin; one pass then counts the entries above {@code hi} and collects the magnitudes in
 * the bracket (4 bytes each, in index order, with per-block counts). If the k-th largest is inside
 * the bracket, it is found exactly among the candidates, and the tie cutoff from the candidates'
 * order plus one re-read block. When the sample predicts more than {@code count / share}
 * candidates (a few heavily repeated values), the pass instead counts the entries above and equal
 * to the sample's estimate of the threshold, which is exact when the k-th largest has that value.
 * A threshold found neither way is reported as null so the caller falls back to the radix passes.
 * Stateless.
 */
final class BracketSelect {
  private BracketSelect() {}

  /** Blocks read for the sample (evenly spaced; all blocks of small tensors). */
  static final int SAMPLE_BLOCKS = 32;

  /**
   * Per stream and k (all {@code 0 < k < count}) the top-k set, or null where the bracket failed.
   *
   * @param share candidates are capped at {@code count / share} (at least one block) per threshold
   */
  static TopMask[][] find(RangeSource source, int streams, long count, int block, long[][] ks, int share) {
    int blocks = (int) ((count + block - 1) / block);
    int stride = Math.max(8, blocks / SAMPLE_BLOCKS); // at most an eighth of the data
    int[] sampled = IntStream.iterate(0, b -> b < blocks, b -> b + stride).toArray();
    int[] offset = new int[sampled.length + 1];
    for (int i = 0; i < sampled.length; i++) {
      offset[i + 1] = offset[i] + (int) Math.min(block, count - (long) sampled[i] * block);
    }
    int[][] sample = new int[streams][offset[sampled.length]];
    IntStream.range(0, sampled.length).parallel().forEach(i -> {
      int n = offset[i + 1] - offset[i];
      float[][] v = new float[streams][n];
      source.read((long) sampled[i] * block, n, v, new float[n]);
      for (int s = 0; s < streams; s++) {
        MemorySegment bits = MemorySegment.ofArray(v[s]);
        int[] into = sample[s];
        int at = offset[i];
        for (int e = 0; e < n; e++) {
          into[at + e] = bits.getAtIndex(ValueLayout.JAVA_INT, e) & 0x7fffffff;
        }
      }
    });
    // brackets, as pairs p = (stream, j)
    int pairs = Arrays.stream(ks).mapToInt(k -> k.length).sum();
    int[] ps = new int[pairs];
    int[] pj = new int[pairs];
    int[] lo = new int[pairs];
    int[] hi = new int[pairs];
    boolean[] point = new boolean[pairs]; // few distinct values: guess the threshold value itself
    long cap = Math.min(Integer.MAX_VALUE - 8, Math.max(block, count / share));
    AtomicLongArray total = new AtomicLongArray(pairs);
    // each stream's order statistics by radix selection (as sorting the sample would give them),
    // streams in parallel
    int[] first = new int[streams + 1];
    for (int s = 0; s < streams; s++) {
      first[s + 1] = first[s] + ks[s].length;
    }
    IntStream.range(0, streams).parallel().forEach(s -> {
      int[] sm = sample[s];
      int m = sm.length;
      Ranks sorted = new Ranks(sm);
      for (int j = 0, p = first[s]; j < ks[s].length; j++, p++) {
        ps[p] = s;
        pj[p] = j;
        double q = ks[s][j] / (double) count;
        double rank = q * m; // from the top
        double margin = 4 * Math.sqrt(m * q * (1 - q)) + 0.002 * m + 8;
        hi[p] = rank - margin < 0 ? Integer.MAX_VALUE : sorted.at(m - 1 - (int) Math.floor(rank - margin));
        lo[p] = rank + margin >= m - 1 ? 0 : sorted.at(m - 1 - (int) Math.ceil(rank + margin));
        // the sample predicts the candidates; heavily tied data would overflow the cap: skip the pass
        double predicted = countIn(sm, lo[p], hi[p]) / (double) m;
        if (predicted * count > 0.8 * cap) {
          // the bracket is a few heavily repeated values: count above and equal to the sample's
          // estimate of the threshold instead of collecting
          point[p] = true;
          lo[p] = hi[p] = sorted.at(Math.clamp(m - 1 - (long) rank, 0, m - 1));
        }
      }
    });
    boolean anyTried = pairs > 0;
    TopMask[][] out = new TopMask[streams][];
    for (int s = 0; s < streams; s++) {
      out[s] = new TopMask[ks[s].length];
    }
    if (!anyTried) {
      return out;
    }
    MagnitudeSelect.Ranges r = new MagnitudeSelect.Ranges(count, block, streams);
    long[][] above = new long[r.tasks][pairs];
    int[][][] found = new int[r.tasks][pairs][];
    int[][] perBlock = new int[pairs][blocks];
    r.run((task, from, to) -> {
      int[][] list = new int[pairs][1024];
      int[] size = new int[pairs];
      long[] up = new long[pairs];
      r.stream(source, from, to, (v, at, n) -> {
        for (int p = 0; p < pairs; p++) {
          if (total.get(p) > cap) {
            continue; // gave up on this threshold
          }
          float[] x = v[ps[p]];
          int h = hi[p];
          int l = lo[p];
          if (point[p]) {
            int a = 0;
            int eq = 0;
            MemorySegment bits = MemorySegment.ofArray(x); // an int view: a loop C2 vectorises
            for (int e = 0; e < n; e++) {
              int b = bits.getAtIndex(ValueLayout.JAVA_INT, e) & 0x7fffffff;
              a += (h - b) >>> 31; // b > h
              eq += ((b ^ h) - 1) >>> 31; // b == h (b ^ h ≥ 0)
            }
            up[p] += a;
            perBlock[p][(int) (at / block)] = eq;
            continue;
          }
          if (list[p].length < size[p] + n + 1) {
            list[p] = Arrays.copyOf(list[p], Math.max(2 * list[p].length, size[p] + n + 1));
          }
          int[] into = list[p];
          int at0 = size[p];
          int sz = at0;
          int a = 0;
          MemorySegment bits = MemorySegment.ofArray(x); // an int view: no floatToRawIntBits per element
          for (int e = 0; e < n; e++) {
            int b = bits.getAtIndex(ValueLayout.JAVA_INT, e) & 0x7fffffff;
            a += (h - b) >>> 31; // b > h (both in [0, 2³¹): no overflow)
            into[sz] = b; // branch-free compaction: kept only when l ≤ b ≤ h
            sz += 1 - (((b - l) | (h - b)) >>> 31);
          }
          size[p] = sz;
          up[p] += a;
          perBlock[p][(int) (at / block)] = sz - at0;
          total.addAndGet(p, sz - at0);
        }
      });
      above[task] = up;
      for (int p = 0; p < pairs; p++) {
        found[task][p] = Arrays.copyOf(list[p], size[p]);
      }
    });
    for (int p = 0; p < pairs; p++) {
      if (total.get(p) > cap) {
        continue;
      }
      long greater = 0;
      for (long[] a : above) {
        greater += a[p];
      }
      if (point[p]) {
        long equal = Arrays.stream(perBlock[p]).asLongStream().sum();
        long k = ks[ps[p]][pj[p]];
        if (greater < k && k <= greater + equal) {
          long toKeep = k - greater;
          long cutoff = toKeep < equal
              ? cutoff(source, streams, count, block, ps[p], hi[p], hi[p], perBlock[p], toKeep) : count;
          out[ps[p]][pj[p]] = new TopMask(hi[p], cutoff);
        }
        continue;
      }
      int c = (int) total.get(p);
      long k = ks[ps[p]][pj[p]];
      if (k <= greater || k > greater + c) {
        continue; // the threshold is outside the bracket
      }
      int[] all = new int[c];
      int at = 0;
      for (int[][] f : found) {
        System.arraycopy(f[p], 0, all, at, f[p].length);
        at += f[p].length;
      }
      int t = new Ranks(all).at(c - (int) (k - greater));
      long equal = countIn(all, t, t);
      long higher = countIn(all, t, Integer.MAX_VALUE) - equal;
      long toKeep = k - greater - higher;
      long cutoff = count;
      if (toKeep < equal) {
        cutoff = cutoff(source, streams, count, block, ps[p], lo[p], hi[p], all, perBlock[p], t, toKeep);
      }
      out[ps[p]][pj[p]] = new TopMask(t, cutoff);
    }
    return out;
  }

  /** The index of the equal entry of ordinal {@code toKeep} (0-based) in index order. */
  private static long cutoff(RangeSource source, int streams, long count, int block, int stream, int lo, int hi,
      int[] all, int[] perBlock, int t, long toKeep) {
    long seen = 0;
    int pos = 0;
    while (all[pos] != t || seen++ != toKeep) {
      pos++;
    }
    return cutoff(source, streams, count, block, stream, lo, hi, perBlock, pos);
  }

  /**
   * The index of the entry of ordinal {@code ordinal} (0-based, index order) among those with
   * magnitude bits in {@code [lo, hi]}, given their count per block: one block is read again.
   */
  private static long cutoff(RangeSource source, int streams, long count, int block, int stream, int lo, int hi,
      int[] perBlock, long ordinal) {
    int b = 0;
    long before = 0;
    while (before + perBlock[b] <= ordinal) {
      before += perBlock[b];
      b++;
    }
    long inBlock = ordinal - before;
    long from = (long) b * block;
    int n = (int) Math.min(block, count - from);
    float[][] v = new float[streams][n];
    source.read(from, n, v, new float[n]);
    for (int e = 0, c = 0; e < n; e++) {
      int bits = Float.floatToRawIntBits(v[stream][e]) & 0x7fffffff;
      if (bits <= hi && bits >= lo && c++ == inBlock) {
        return from + e;
      }
    }
    throw new IllegalStateException("a source returned different values on a second read");
  }

  /** How many of {@code a} lie in {@code [lo, hi]} (all values ≥ 0). */
  private static long countIn(int[] a, int lo, int hi) {
    long c = 0;
    for (int b : a) {
      c += 1 - (((b - lo) | (hi - b)) >>> 31);
    }
    return c;
  }

  /**
   * Order statistics of non-negative ints without sorting: {@link #at} gives what {@code sorted[i]}
   * would be, from a histogram of the high 16 bits (built once) and one pass per query over the
   * values in the bucket that holds it.
   */
  private static final class Ranks {
    /** Per thread, the two histograms (reused: a merge makes thousands of queries). */
    private static final ThreadLocal<int[][]> HISTOGRAMS = ThreadLocal.withInitial(() -> new int[2][1 << 16]);

    private final int[] values;
    private final int[] high;
    private final int[] low;

    /** Only for use on the calling thread. */
    Ranks(int[] values) {
      this.values = values;
      int[][] h = HISTOGRAMS.get();
      high = h[0];
      low = h[1];
      Arrays.fill(high, 0);
      for (int v : values) {
        high[v >>> 16]++;
      }
    }

    /** The value of ascending rank {@code i} (0-based). */
    int at(int i) {
      int b = 0;
      long below = 0;
      while (below + high[b] <= i) {
        below += high[b];
        b++;
      }
      Arrays.fill(low, 0);
      for (int v : values) {
        if (v >>> 16 == b) {
          low[v & 0xffff]++;
        }
      }
      int l = 0;
      while (below + low[l] <= i) {
        below += low[l];
        l++;
      }
      return b << 16 | l;
    }
  }
}
