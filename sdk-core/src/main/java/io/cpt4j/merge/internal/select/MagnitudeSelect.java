package io.cpt4j.merge.internal.select;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * <p>Several value streams of the same length (the task vectors of several models, which share the
 * base they are taken against) are selected together, so each pass reads every input once. Passes
 * run in parallel over contiguous block-aligned ranges; memory per task is one block per stream
 * and one or two 65,536-entry histograms per stream. Stateless and thread-safe.
 */
public final class MagnitudeSelect {
  private static final int BUCKETS = 1 << 16;

  /** Default elements read per call of the source. */
  public static final int BLOCK = 1 << 16;

  private MagnitudeSelect() {}

  /** The bits of {@code |x|}, which order like the magnitudes (NaN above +∞), as the selection ranks them. */
  public static int magnitudeBits(float x) {
    return Float.floatToRawIntBits(x) & 0x7fffffff;
  }

  /** {@code ⌊f·n⌋} as mergekit computes it ({@code int(density * numel)}), at most {@code n}. */
  public static long topCount(double fraction, long n) {
    return Math.min(n, (long) (fraction * n));
  }

  /**
   * Supplies range {@code [from, from + length)} of every stream: stream {@code s} into {@code
   * dst[s][0..length)}; {@code scratch} is a spare buffer of at least {@code length} floats. Called
   * from several threads at once, and several times for the same range: it must return the same
   * values.
   */
  public interface RangeSource {
    void read(long from, int length, float[][] dst, float[] scratch);
  }

  /** The k-th largest magnitude and how many values are strictly greater. */
  public record Threshold(float magnitude, long greater) {
    /** Values equal to {@link #magnitude} still to keep, in index order, to keep exactly {@code k}. */
    public long equalToKeep(long k) {
      return k - greater;
    }
  }

  /**
   * The set of the {@code k} largest magnitudes: entry {@code i} with magnitude bits {@code b} (the
   * float bits of {@code |x|}) is in it when {@code b > bits}, or {@code b == bits} and {@code i <
   * cutoff}.
   */
  public record TopMask(int bits, long cutoff) {
    /** Holds every entry. */
    public static final TopMask ALL = new TopMask(-1, 0);
    /** Holds no entry. */
    public static final TopMask NONE = new TopMask(Integer.MAX_VALUE, 0);

    public boolean holds(float value, long index) {
      int b = Float.floatToRawIntBits(value) & 0x7fffffff;
      return b > bits || (b == bits && index < cutoff);
    }

    /** Zeroes the entries of {@code d[0..n)} (indices {@code from..}) that are not in the set. */
    public void retain(float[] d, long from, int n) {
      apply(d, from, n, 0);
    }

    /** Zeroes the entries of {@code d[0..n)} (indices {@code from..}) that are in the set. */
    public void zeroHeld(float[] d, long from, int n) {
      apply(d, from, n, -1);
    }

    /**
     * Masks entries branch-free (so the loops vectorise): an int mask of all ones for entries in the
     * set, xor {@code flip}; entries whose mask is 0 become +0. Before the cutoff an entry is in the
     * set when its magnitude bits are ≥ {@link #bits} (sign of {@code bits − 1 − b}), after it when
     * they are > {@link #bits}; no overflow since the first loop only runs for {@code bits ≥ 0}.
     */
    private void apply(float[] d, long from, int n, int flip) {
      int lim = (int) Math.clamp(cutoff - from, 0, n);
      int t = bits;
      // the float bits are read and written through an int view of the array: C2 vectorises that,
      // not loops of floatToRawIntBits/intBitsToFloat
      MemorySegment v = MemorySegment.ofArray(d);
      for (int i = 0; i < lim; i++) {
        int x = v.getAtIndex(ValueLayout.JAVA_INT, i);
        int in = ((t - 1 - (x & 0x7fffffff)) >> 31) ^ flip;
        v.setAtIndex(ValueLayout.JAVA_INT, i, x & in);
      }
      for (int i = lim; i < n; i++) {
        int x = v.getAtIndex(ValueLayout.JAVA_INT, i);
        int in = ((t - (x & 0x7fffffff)) >> 31) ^ flip;
        v.setAtIndex(ValueLayout.JAVA_INT, i, x & in);
      }
    }
  }

  /**
   * The {@code k}-th largest {@code |x|} of one stream (1-based: {@code k = 1} is the maximum).
   *
   * @throws IllegalArgumentException unless {@code 1 ≤ k ≤ count}
   */
  public static Threshold kthLargest(RangeSource source, long count, long k) {
    if (k < 1 || k > count) {
      throw new IllegalArgumentException("k = " + k + " outside [1, " + count + "]");
    }
    Selection s = select(source, 1, count, BLOCK, new long[][] {{k}});
    return new Threshold(Float.intBitsToFloat(s.bits[0][0]), s.greater[0][0]);
  }

  /**
   * For stream {@code s} and each {@code k} of {@code ks[s]}, the set of the {@code k} entries of
   * largest magnitude ({@code k ≤ 0}: none; {@code k ≥ count}: all). Tries {@link BracketSelect}
   * first (a sample plus one read); thresholds it misses take the radix passes (two or three more
   * reads). Reads nothing when every set is trivial.
   *
   * @param streams the streams the source supplies
   * @param block elements per read
   */
  public static TopMask[][] top(RangeSource source, int streams, long count, int block, long[][] ks) {
    return top(source, streams, count, block, ks, CANDIDATE_SHARE);
  }

  /** Bracketed candidates are capped at {@code count / CANDIDATE_SHARE} per threshold. */
  static final int CANDIDATE_SHARE = 32;

  /**
   * {@link #top(RangeSource, int, long, int, long[][])} trying {@link BracketSelect} first with
   * candidates capped at {@code count / share}; {@code share = 0} uses the radix passes only.
   */
  static TopMask[][] top(RangeSource source, int streams, long count, int block, long[][] ks, int share) {
    long[][] inner = new long[streams][];
    boolean any = false;
    for (int s = 0; s < streams; s++) {
      inner[s] = Arrays.stream(ks[s]).filter(k -> k > 0 && k < count).toArray();
      any |= inner[s].length > 0;
    }
    TopMask[][] fast = any && share > 0 ? BracketSelect.find(source, streams, count, block, inner, share) : null;
    // the radix passes for the thresholds the bracket missed (all of them when share is 0)
    long[][] slow = new long[streams][];
    boolean anySlow = false;
    for (int s = 0; s < streams; s++) {
      final int ss = s;
      slow[s] = IntStream.range(0, inner[s].length).filter(i -> fast == null || fast[ss][i] == null)
          .mapToLong(i -> inner[ss][i]).toArray();
      anySlow |= slow[s].length > 0;
    }
    Selection sel = anySlow ? select(source, streams, count, block, slow) : null;
    long[][] cutoffs = anySlow ? cutoffs(source, streams, count, block, slow, sel) : null;
    TopMask[][] out = new TopMask[streams][];
    for (int s = 0; s < streams; s++) {
      out[s] = new TopMask[ks[s].length];
      for (int j = 0, i = 0, q = 0; j < ks[s].length; j++) {
        long k = ks[s][j];
        if (k <= 0) {
          out[s][j] = TopMask.NONE;
        } else if (k >= count) {
          out[s][j] = TopMask.ALL;
        } else if (fast != null && fast[s][i] != null) {
          out[s][j] = fast[s][i++];
        } else {
          out[s][j] = new TopMask(sel.bits[s][q], cutoffs[s][q++]);
          i++;
        }
      }
    }
    return out;
  }

  /** Per stream and k: threshold magnitude bits, the count strictly greater and the count equal. */
  private record Selection(int[][] bits, long[][] greater, long[][] equal) {}

  private static Selection select(RangeSource source, int streams, long count, int block, long[][] ks) {
    Ranges r = new Ranges(count, block, streams);
    long[][][] highs = new long[r.tasks][][];
    r.run((task, from, to) -> {
      long[][] h = new long[streams][];
      for (int s = 0; s < streams; s++) {
        h[s] = ks[s].length == 0 ? null : new long[BUCKETS];
      }
      r.stream(source, from, to, (v, at, n) -> {
        for (int s = 0; s < streams; s++) {
          long[] hs = h[s];
          float[] vs = v[s];
          if (hs != null) {
            for (int i = 0; i < n; i++) {
              hs[(Float.floatToRawIntBits(vs[i]) & 0x7fffffff) >>> 16]++;
            }
          }
        }
      });
      highs[task] = h;
    });
    int[][] bucket = new int[streams][];
    long[][] above = new long[streams][];
    int[][] distinct = new int[streams][];
    for (int s = 0; s < streams; s++) {
      final int ss = s;
      long[] high = ks[s].length == 0 ? null : sum(Arrays.stream(highs).map(h -> h[ss]).toArray(long[][]::new));
      bucket[s] = new int[ks[s].length];
      above[s] = new long[ks[s].length];
      for (int j = 0; j < ks[s].length; j++) {
        int hb = BUCKETS - 1;
        long a = 0;
        while (a + high[hb] < ks[s][j]) {
          a += high[hb];
          hb--;
        }
        bucket[s][j] = hb;
        above[s][j] = a;
      }
      distinct[s] = Arrays.stream(bucket[s]).distinct().toArray();
    }
    long[][][][] lows = new long[r.tasks][][][];
    r.run((task, from, to) -> {
      long[][][] l = new long[streams][][];
      for (int s = 0; s < streams; s++) {
        l[s] = new long[distinct[s].length][BUCKETS];
      }
      r.stream(source, from, to, (v, at, n) -> {
        for (int s = 0; s < streams; s++) {
          float[] vs = v[s];
          for (int d = 0; d < distinct[s].length; d++) {
            long[] ld = l[s][d];
            int bucketBits = distinct[s][d];
            for (int i = 0; i < n; i++) {
              int bits = Float.floatToRawIntBits(vs[i]) & 0x7fffffff;
              if (bits >>> 16 == bucketBits) {
                ld[bits & 0xffff]++;
              }
            }
          }
        }
      });
      lows[task] = l;
    });
    int[][] bits = new int[streams][];
    long[][] greater = new long[streams][];
    long[][] equal = new long[streams][];
    for (int s = 0; s < streams; s++) {
      int m = ks[s].length;
      bits[s] = new int[m];
      greater[s] = new long[m];
      equal[s] = new long[m];
      for (int j = 0; j < m; j++) {
        int d = 0;
        while (distinct[s][d] != bucket[s][j]) {
          d++;
        }
        final int ss = s;
        final int dd = d;
        long[] low = sum(Arrays.stream(lows).map(l -> l[ss][dd]).toArray(long[][]::new));
        long g = above[s][j];
        int lb = BUCKETS - 1;
        while (g + low[lb] < ks[s][j]) {
          g += low[lb];
          lb--;
        }
        bits[s][j] = (bucket[s][j] << 16) | lb;
        greater[s][j] = g;
        equal[s][j] = low[lb];
      }
    }
    return new Selection(bits, greater, equal);
  }

  /**
   * Per stream and k the index of the first threshold-equal entry not kept ({@code count} if all
   * are kept): one pass counts the equal entries per block for every split threshold, then one
   * block per threshold is read again to find the entry.
   */
  private static long[][] cutoffs(RangeSource source, int streams, long count, int block, long[][] ks,
      Selection sel) {
    long[][] cut = new long[streams][];
    List<int[]> split = new ArrayList<>(); // {stream, j}
    for (int s = 0; s < streams; s++) {
      cut[s] = new long[ks[s].length];
      for (int j = 0; j < ks[s].length; j++) {
        cut[s][j] = count;
        if (ks[s][j] - sel.greater[s][j] < sel.equal[s][j]) {
          split.add(new int[] {s, j});
        }
      }
    }
    if (split.isEmpty()) {
      return cut;
    }
    int blocks = (int) ((count + block - 1) / block);
    long[][] perBlock = new long[split.size()][blocks];
    Ranges r = new Ranges(count, block, streams);
    r.run((task, from, to) -> r.stream(source, from, to, (v, at, n) -> {
      for (int q = 0; q < split.size(); q++) {
        float[] vs = v[split.get(q)[0]];
        int bits = sel.bits[split.get(q)[0]][split.get(q)[1]];
        long c = 0;
        for (int i = 0; i < n; i++) {
          c += (Float.floatToRawIntBits(vs[i]) & 0x7fffffff) == bits ? 1 : 0;
        }
        perBlock[q][(int) (at / block)] = c;
      }
    }));
    for (int q = 0; q < split.size(); q++) {
      int s = split.get(q)[0];
      int j = split.get(q)[1];
      long toKeep = ks[s][j] - sel.greater[s][j];
      int bits = sel.bits[s][j];
      long seen = 0;
      int b = 0;
      while (seen + perBlock[q][b] <= toKeep) {
        seen += perBlock[q][b];
        b++;
      }
      long from = (long) b * block;
      int n = (int) Math.min(block, count - from);
      float[][] v = new float[streams][n];
      source.read(from, n, v, new float[n]);
      int i = 0;
      while ((Float.floatToRawIntBits(v[s][i]) & 0x7fffffff) != bits || seen++ != toKeep) {
        i++;
      }
      cut[s][j] = from + i;
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
  static final class Ranges {
    final long count;
    final int block;
    final int streams;
    final int tasks;
    final long perTask;

    interface Body {
      void run(int task, long from, long to);
    }

    interface Blocks {
      /** Block {@code [at, at + n)} of every stream in {@code values[s][0..n)}. */
      void accept(float[][] values, long at, int n);
    }

    Ranges(long count, int block, int streams) {
      this.count = count;
      this.block = block;
      this.streams = streams;
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
    void stream(RangeSource source, long from, long to, Blocks sink) {
      int len = (int) Math.min(block, to - from);
      float[][] v = new float[streams][len];
      float[] scratch = new float[len];
      for (long at = from; at < to; at += block) {
        int n = (int) Math.min(block, to - at);
        source.read(at, n, v, scratch);
        sink.accept(v, at, n);
      }
    }
  }
}
