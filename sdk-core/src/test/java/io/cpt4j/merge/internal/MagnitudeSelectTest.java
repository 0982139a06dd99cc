package io.cpt4j.merge.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MagnitudeSelectTest {

  private static MagnitudeSelect.RangeSource chunks(float[] data, int chunk) {
    return (from, n, dst, scratch) -> System.arraycopy(data, (int) from, dst, 0, n);
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
}
