package io.cpt4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The stability gap against hand-computed curves. */
class StabilityGapTest {

  /** A curve evaluated every 10 steps: step 10·i (after 1000·i tokens) has loss losses[i]. */
  static ValidationCurve every10(double... losses) {
    List<EvalPoint> points = new ArrayList<>();
    for (int i = 0; i < losses.length; i++) {
      points.add(new EvalPoint(10L * i, 1000L * i, losses[i]));
    }
    return new ValidationCurve("general", points);
  }

  @Test
  void riseThenRecoveryReportsThePeakAndTheFirstStepBelowStepZero() {
    //                          0    10   20   30   40   50
    StabilityGap gap = StabilityGap.of(every10(3.0, 3.1, 3.4, 3.2, 2.9, 2.8));

    assertThat(gap.baselineLoss()).isEqualTo(3.0);
    assertThat(gap.maxRise()).isEqualTo(3.4 - 3.0);
    assertThat(gap.maxRiseStep()).isEqualTo(20);
    assertThat(gap.recoveredStep()).isEqualTo(OptionalLong.of(40));
    assertThat(gap.hasRise()).isTrue();
    assertThat(gap.recovered()).isTrue();
    assertThat(gap.describe()).isEqualTo("rose 0.400 nats above step 0 at step 20, back below at step 40");
  }

  @Test
  void aLossThatNeverRisesHasNoGap() {
    StabilityGap gap = StabilityGap.of(every10(3.0, 2.9, 3.0, 2.5));

    assertThat(gap.maxRise()).isZero();
    assertThat(gap.maxRiseStep()).isZero();
    assertThat(gap.recoveredStep()).isEmpty();
    assertThat(gap.hasRise()).isFalse();
    assertThat(gap.recovered()).isTrue();
    assertThat(gap.describe()).isEqualTo("no rise above step 0");
  }

  @Test
  void aLossThatStaysAboveStepZeroIsNotRecovered() {
    StabilityGap gap = StabilityGap.of(every10(2.0, 2.5, 2.3, 2.1));

    assertThat(gap.maxRise()).isEqualTo(2.5 - 2.0);
    assertThat(gap.maxRiseStep()).isEqualTo(10);
    assertThat(gap.recoveredStep()).isEmpty();
    assertThat(gap.recovered()).isFalse();
    assertThat(gap.describe()).isEqualTo("rose 0.500 nats above step 0 at step 10, not recovered");
  }

  @Test
  void returningExactlyToStepZeroIsNotBelowIt() {
    StabilityGap gap = StabilityGap.of(every10(2.0, 2.25, 2.0, 2.0, 1.75));

    assertThat(gap.maxRiseStep()).isEqualTo(10);
    assertThat(gap.recoveredStep()).isEqualTo(OptionalLong.of(40));

    StabilityGap stuck = StabilityGap.of(every10(2.0, 2.25, 2.0));
    assertThat(stuck.recoveredStep()).isEmpty();
    assertThat(stuck.recovered()).isFalse();
  }

  @Test
  void withSeveralPeaksTheLargestCountsAndRecoveryIsMeasuredAfterIt() {
    //                          0    10   20   30   40   50   60
    StabilityGap gap = StabilityGap.of(every10(2.0, 2.3, 1.9, 2.5, 2.1, 1.8, 2.2));

    assertThat(gap.maxRise()).isEqualTo(2.5 - 2.0);
    assertThat(gap.maxRiseStep()).isEqualTo(30); // not the first peak at 10
    assertThat(gap.recoveredStep()).isEqualTo(OptionalLong.of(50)); // not 20, which precedes the peak
    // the smaller rise at 60, after the recovery, is not part of the gap
  }

  @Test
  void aTiedPeakIsReportedAtItsFirstStep() {
    StabilityGap gap = StabilityGap.of(every10(1.0, 1.5, 0.5, 1.5, 0.9));

    assertThat(gap.maxRiseStep()).isEqualTo(10);
    assertThat(gap.recoveredStep()).isEqualTo(OptionalLong.of(20));
  }

  @Test
  void aCurveOfStepZeroAloneHasNoGap() {
    StabilityGap gap = StabilityGap.of(ValidationCurve.start("general", 4.25));

    assertThat(gap.baselineLoss()).isEqualTo(4.25);
    assertThat(gap.hasRise()).isFalse();
    assertThat(gap.maxRiseStep()).isZero();
    assertThat(gap.recoveredStep()).isEmpty();
    assertThat(gap.recovered()).isTrue();
  }

  @Test
  void aRiseAtTheLastEvaluationIsNotRecovered() {
    StabilityGap gap = StabilityGap.of(every10(3.0, 2.0, 1.0, 3.5));

    assertThat(gap.maxRise()).isEqualTo(0.5);
    assertThat(gap.maxRiseStep()).isEqualTo(30);
    assertThat(gap.recovered()).isFalse();
  }

  @Test
  void stepsAreTheCurvesStepsNotIndices() {
    ValidationCurve curve = new ValidationCurve("code", List.of(new EvalPoint(0, 0, 1.0), new EvalPoint(7, 70, 1.2),
        new EvalPoint(250, 2500, 0.99)));

    StabilityGap gap = StabilityGap.of(curve);

    assertThat(gap.maxRiseStep()).isEqualTo(7);
    assertThat(gap.recoveredStep()).isEqualTo(OptionalLong.of(250));
    assertThat(gap.maxRise()).isEqualTo(1.2 - 1.0);
  }

  @Test
  void describeUsesThreeSignificantDigitsOfTheRise() {
    StabilityGap small = new StabilityGap(2.0, 0.000123456, 5, OptionalLong.empty());
    StabilityGap large = new StabilityGap(2.0, 12.3456, 5, OptionalLong.of(9));

    assertThat(small.describe()).isEqualTo("rose 0.000123 nats above step 0 at step 5, not recovered");
    assertThat(large.describe()).isEqualTo("rose 12.3 nats above step 0 at step 5, back below at step 9");
  }

  @Test
  void inconsistentGapsAreRefused() {
    assertThatThrownBy(() -> new StabilityGap(2.0, 0, 10, OptionalLong.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without a rise");
    assertThatThrownBy(() -> new StabilityGap(2.0, 0, 0, OptionalLong.of(3)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without a rise");
    assertThatThrownBy(() -> new StabilityGap(2.0, 0.1, 0, OptionalLong.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after step 0");
    assertThatThrownBy(() -> new StabilityGap(2.0, 0.1, 10, OptionalLong.of(10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after maxRiseStep 10");
    assertThatThrownBy(() -> new StabilityGap(Double.NaN, 0, 0, OptionalLong.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("baselineLoss");
    assertThatThrownBy(() -> new StabilityGap(2.0, -0.1, 0, OptionalLong.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRise");
    assertThatThrownBy(() -> new StabilityGap(2.0, Double.POSITIVE_INFINITY, 3, OptionalLong.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRise");
  }
}
