package io.cpt4j.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.train.LrSchedule;
import io.cpt4j.train.Rewarm;
import org.junit.jupiter.api.Test;

/** S1 and S2 against float64 hand computations; the warmup left out of S2; the law's arithmetic. */
class LrAreasTest {
  @Test
  void areasOfASmallScheduleMatchTheHandComputation() {
    // steps 0..6; the first four do not fall (warmup to 1.0, one step at the peak), then the decay
    double[] lr = {0.0, 0.5, 1.0, 1.0, 0.8, 0.4, 0.1};
    LrAreas areas = LrAreas.of(lr, 0.5);
    // S1(s) = lr[0] + ... + lr[s-1]
    double[] s1 = {0, 0, 0.5, 1.5, 2.5, 3.3, 3.7, 3.8};
    // m_i = 0.5 m_(i-1) + (lr[i-2] - lr[i-1]) once the rate has started to fall (update 5 on):
    // m_5 = 0.2, m_6 = 0.1 + 0.4 = 0.5, m_7 = 0.25 + 0.3 = 0.55; S2 = running sum of m
    double[] s2 = {0, 0, 0, 0, 0, 0.2, 0.7, 1.25};
    assertThat(areas.totalSteps()).isEqualTo(7);
    assertThat(areas.peakStep()).isEqualTo(2);
    for (int s = 0; s <= 7; s++) {
      assertThat(areas.s1(s)).as("S1(%d)", s).isCloseTo(s1[s], within(1e-15));
      assertThat(areas.s2(s)).as("S2(%d)", s).isCloseTo(s2[s], within(1e-15));
    }
  }

  @Test
  void areasOfAScheduleFollowThePaperWithTheDefaultDecay() {
    LrSchedule schedule = Rewarm.to(1e-3).warmupSteps(2).linearTo(0);
    // the schedule's rates, by hand: warmup 0, 0.5e-3; linear decay from 1e-3 at step 2 to 0 at step 5
    double[] lr = {0, 0.5e-3, 1e-3, 2e-3 / 3, 1e-3 / 3, 0};
    for (int k = 0; k < lr.length; k++) {
      assertThat(schedule.lr(k, 6)).isCloseTo(lr[k], within(1e-18));
    }
    LrAreas areas = LrAreas.of(k -> schedule.lr(k, 6), 6);
    assertThat(areas.decay()).isEqualTo(0.999);
    assertThat(areas.peakStep()).isEqualTo(2);
    // m_i as the closed sum over the drops d_j (j = 4..i: the first fall is into step 3, update 4)
    double lambda = 0.999;
    double runningS1 = 0;
    double runningS2 = 0;
    for (int i = 1; i <= 6; i++) {
      runningS1 += lr[i - 1];
      double m = 0;
      for (int j = 4; j <= i; j++) {
        m += Math.pow(lambda, i - j) * (lr[j - 2] - lr[j - 1]);
      }
      runningS2 += m;
      assertThat(areas.s1(i)).as("S1(%d)", i).isCloseTo(runningS1, within(1e-18));
      assertThat(areas.s2(i)).as("S2(%d)", i).isCloseTo(runningS2, within(1e-18));
    }
    // S2(6) = m_4 + m_5 + m_6 = d4 + (0.999 d4 + d5) + (0.999^2 d4 + 0.999 d5 + d6), d = 1/3e-3 each
    double d = 1e-3 / 3;
    assertThat(areas.s2(6)).isCloseTo(d * (3 + 2 * 0.999 + 0.999 * 0.999), within(1e-18));
  }

  @Test
  void aRunThatNeverFallsHasNoAnnealingArea() {
    LrSchedule warmThenConstant = Rewarm.to(1e-3).warmupSteps(10).constant();
    LrAreas areas = LrAreas.of(k -> warmThenConstant.lr(k, 100), 100);
    assertThat(areas.s2(100)).isZero();
    assertThat(areas.peakStep()).isEqualTo(10);
    assertThat(areas.s1(100)).isCloseTo(1e-3 * 90 + 1e-3 * 4.5, within(1e-15));
  }

  @Test
  void aRiseAfterTheDecayHasBegunLowersTheAnnealingArea() {
    LrAreas areas = LrAreas.of(new double[] {1.0, 0.5, 1.0}, 0.0);
    assertThat(areas.s2(2)).isEqualTo(0.5);
    assertThat(areas.s2(3)).isEqualTo(0.0); // m_3 = 0.5 - 1.0
  }

  @Test
  void unknownRunLengthsBadRatesAndBadDecaysAreRefused() {
    LrSchedule constant = LrSchedule.constant(1e-3);
    assertThatThrownBy(() -> LrAreas.of(k -> constant.lr(k, LrSchedule.UNBOUNDED), LrSchedule.UNBOUNDED))
        .hasMessageContaining("UNBOUNDED");
    assertThatThrownBy(() -> LrAreas.of(k -> 1e-3, 0)).hasMessageContaining("[1, ");
    assertThatThrownBy(() -> LrAreas.of(k -> 1e-3, 10, 1.0)).hasMessageContaining("lambda");
    assertThatThrownBy(() -> LrAreas.of(new double[] {1e-3, Double.NaN}, 0.9)).hasMessageContaining("step 1");
    assertThatThrownBy(() -> LrAreas.of(k -> -1e-3, 10)).hasMessageContaining("step 0");
    assertThatThrownBy(() -> LrAreas.of(k -> 1e-3, 10).s1(11)).hasMessageContaining("[0, 10]");
  }

  @Test
  void theLawReadsTheAreas() {
    AnnealingLaw law = new AnnealingLaw(2.0, 0.5, 0.5, 3.0, 0.5);
    LrAreas areas = LrAreas.of(new double[] {0.0, 0.5, 1.0, 1.0, 0.8, 0.4, 0.1}, 0.5);
    assertThat(law.loss(areas, 7)).isCloseTo(2.0 + 0.5 / Math.sqrt(3.8) - 3.0 * 1.25, within(1e-12));
    assertThatThrownBy(() -> law.loss(areas, 1)).hasMessageContaining("S1 must be > 0");
    assertThatThrownBy(() -> law.loss(LrAreas.of(new double[] {1}, 0.9), 1)).hasMessageContaining("lambda");
    assertThatThrownBy(() -> new AnnealingLaw(2, 0, 0.5, 1, 0.999)).hasMessageContaining("A and alpha");
  }
}
