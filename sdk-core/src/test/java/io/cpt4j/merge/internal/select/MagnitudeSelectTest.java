package io.cpt4j.merge.internal.select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MagnitudeSelectTest {

  private static MagnitudeSelect.RangeSource chunks(float[] data, int chunk) {
    return (from, n, dst, scratch) -> System.arraycopy(data, (int) from, dst[0], 0, n);
  }

  @Test
  void matchesSortingForEveryKOnRandomDataWithTies() {
    SplittableRandom r = new SplittableRandom(7);
    float[] data = new float[5000];
    for (int i = 0; i < data.length; i++) {
      data[i] = i % 7 == 0 ? 0.5f * (r.nextBoolean() ? 1 : -1) : (float) r.nextGaussian() * (i % 3 == 0 ? 1e-6f : 3f);
    }
    data[17] = 0;
    float[] mags = new float[data.length];
    for (int i = 0; i < data.length; i++) {
      mags[i] = Math.abs(data[i]);
    }
    Arrays.sort(mags);
    for (int k = 1; k <= data.length; k += 37) {
      MagnitudeSelect.Threshold t = MagnitudeSelect.kthLargest(chunks(data, 333), data.length, k);
      float expected = mags[data.length - k];
      assertThat(t.magnitude()).as("k=%d", k).isEqualTo(expected);
      long greater = 0;
      for (float m : mags) {
        if (m > expected) {
          greater++;
        }
      }
      assertThat(t.greater()).isEqualTo(greater);
      assertThat(t.equalToKeep(k)).isBetween(1L, (long) data.length);
    }
  }

  @Test
  void extremesAndBadK() {
    float[] data = {-3, 1, 2, -2, 0};
    assertThat(MagnitudeSelect.kthLargest(chunks(data, 2), 5, 1).magnitude()).isEqualTo(3f);
    MagnitudeSelect.Threshold two = MagnitudeSelect.kthLargest(chunks(data, 2), 5, 2);
    assertThat(two.magnitude()).isEqualTo(2f);
    assertThat(two.greater()).isEqualTo(1);
    assertThat(two.equalToKeep(3)).isEqualTo(2);
    assertThat(MagnitudeSelect.kthLargest(chunks(data, 2), 5, 5).magnitude()).isEqualTo(0f);
    assertThatThrownBy(() -> MagnitudeSelect.kthLargest(chunks(data, 2), 5, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MagnitudeSelect.kthLargest(chunks(data, 2), 5, 6))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void topSetsOfSeveralStreamsMatchSortingWithTiesInIndexOrder() {
    // share 0: radix passes only; 32: the sampled bracket; 1_000_000: candidates capped at one block,
    // so most brackets overflow and fall back. 200,003 entries in 64-entry blocks sample every 97th.
    for (int n : new int[] {3001, 200_003}) {
      for (int share : new int[] {0, 32, 1_000_000}) {
        checkTop(n, share, n == 3001 ? 21 : 2001);
      }
    }
  }

  private static void checkTop(int n, int share, int levels) {
    SplittableRandom r = new SplittableRandom(n + share);
    float[][] data = new float[2][n];
    for (float[] d : data) {
      for (int i = 0; i < n; i++) {
        d[i] = (r.nextInt(levels) - levels / 2) * 0.5f; // few magnitudes: thresholds are tied
      }
    }
    long[][] ks = {{1, n / 20, n / 2, n - 2, 0, n}, {7, n - 1, n / 3}};
    MagnitudeSelect.TopMask[][] masks = MagnitudeSelect.top((from, len, dst, scratch) -> {
      for (int s = 0; s < 2; s++) {
        System.arraycopy(data[s], (int) from, dst[s], 0, len);
      }
    }, 2, n, 64, ks, share);
    for (int s = 0; s < 2; s++) {
      float[] d = data[s];
      Integer[] order = java.util.stream.IntStream.range(0, n).boxed().toArray(Integer[]::new);
      Arrays.sort(order, java.util.Comparator.comparingDouble((Integer i) -> -Math.abs(d[i])).thenComparing(i -> i));
      for (int j = 0; j < ks[s].length; j++) {
        boolean[] in = new boolean[n];
        for (int q = 0; q < Math.min(n, ks[s][j]); q++) {
          in[order[q]] = true;
        }
        for (int i = 0; i < n; i++) {
          if (masks[s][j].holds(d[i], i) != in[i]) {
            throw new AssertionError("n=" + n + " share=" + share + " stream " + s + " k=" + ks[s][j] + " i=" + i);
          }
        }
      }
    }
  }
}
