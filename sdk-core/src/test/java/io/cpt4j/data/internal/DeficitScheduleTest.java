package io.cpt4j.data.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.data.Mixture;
import io.cpt4j.data.Source;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The invariant and the bound the proportion guarantee rests on. */
class DeficitScheduleTest {
  private static final int K = 4;
  private static final int MAX_ROW = 100;

  @Test
  void deficitsSumToZeroAndStayWithinTheBoundThroughScheduleChangesAndDrops() {
    Mixture mixture = Mixture.of(Source.text("a"), 0.4).and(Source.text("b"), 0.3).and(Source.text("c"), 0.2)
        .and(Source.text("d"), 0.1).at(0.5, 0.1, 0.1, 0.1, 0.7).at(1.0, 0.25, 0.25, 0.25, 0.25);
    DeficitSchedule schedule = new DeficitSchedule(mixture);
    boolean[] active = {true, true, true, true};
    long[] realised = new long[K];
    Random random = new Random(1);
    int rows = 20_000;
    for (int r = 0; r < rows; r++) {
      double progress = (double) r / rows;
      double[] w = schedule.weights(progress, active);
      int c = schedule.choose(w, realised);
      assertThat(w[c]).isPositive();
      long t = 1 + random.nextInt(MAX_ROW);
      realised[c] += t;
      schedule.account(w, t);
      if (r == 8_000 || r == 14_000) { // drop "a", then "d"
        int dropped = r == 8_000 ? 0 : 3;
        active[dropped] = false;
        schedule.drop(dropped, realised[dropped], schedule.weights(progress, active));
      }
      double sum = 0;
      int live = 0;
      for (int i = 0; i < K; i++) {
        if (active[i]) {
          double d = schedule.scheduled(i) - realised[i];
          sum += d;
          live++;
          assertThat(d).as("deficit of %d after row %d", i, r).isBetween(-(double) MAX_ROW, (K - 1.0) * MAX_ROW);
        }
      }
      assertThat(sum).as("sum of deficits after row %d", r).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-6 * r * MAX_ROW + 1e-9));
      assertThat(live).isPositive();
    }
  }

  @Test
  void tiesGoToTheLowerIndexAndZeroWeightsAreNeverChosen() {
    DeficitSchedule schedule = new DeficitSchedule(Mixture.of(Source.text("a"), 0).and(Source.text("b"), 1)
        .and(Source.text("c"), 1));
    double[] w = schedule.weights(0, new boolean[] {true, true, true});
    assertThat(schedule.choose(w, new long[3])).isEqualTo(1);
    assertThat(schedule.weights(0, new boolean[] {true, false, false})).isNull();
  }
}
