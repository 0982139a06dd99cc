package io.cpt4j.eval;

import static io.cpt4j.eval.StabilityGapTest.every10;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Per-set reports, whole reports, curves and points against hand-computed values. */
class SetReportTest {

  @Test
  void aGeneralSetThatEndsHigherReportsForgetting() {
    SetReport r = SetReport.of(every10(2.0, 2.6, 2.2, 2.5));

    assertThat(r.name()).isEqualTo("general");
    assertThat(r.initialLoss()).isEqualTo(2.0);
    assertThat(r.finalLoss()).isEqualTo(2.5);
    assertThat(r.change()).isEqualTo(0.5);
    assertThat(r.relativeChange()).isEqualTo(0.25);
    assertThat(r.minLoss()).isEqualTo(2.0);
    assertThat(r.minLossStep()).isZero();
    assertThat(r.gap()).isEqualTo(new StabilityGap(2.0, 2.6 - 2.0, 10, OptionalLong.empty()));
    assertThat(r.initialPerplexity()).isCloseTo(Math.exp(2.0), within(1e-12));
    assertThat(r.finalPerplexity()).isCloseTo(Math.exp(2.5), within(1e-12));
  }

  @Test
  void aDomainSetThatEndsLowerReportsAGainAsANegativeChange() {
    SetReport r = SetReport.of(every10(4.0, 4.5, 3.0, 2.0, 2.5));

    assertThat(r.change()).isEqualTo(-1.5);
    assertThat(r.relativeChange()).isEqualTo(-0.375);
    assertThat(r.minLoss()).isEqualTo(2.0);
    assertThat(r.minLossStep()).isEqualTo(30);
    assertThat(r.gap().maxRiseStep()).isEqualTo(10);
    assertThat(r.gap().recoveredStep()).isEqualTo(OptionalLong.of(20));
  }

  @Test
  void theFirstStepOfATiedMinimumIsReported() {
    SetReport r = SetReport.of(every10(3.0, 2.0, 2.5, 2.0));

    assertThat(r.minLossStep()).isEqualTo(10);
  }

  @Test
  void aCurveOfOnePointHasNoChange() {
    SetReport r = SetReport.of(ValidationCurve.start("code", 3.25));

    assertThat(r.finalLoss()).isEqualTo(3.25);
    assertThat(r.change()).isZero();
    assertThat(r.relativeChange()).isZero();
    assertThat(r.minLossStep()).isZero();
    assertThat(r.gap().hasRise()).isFalse();
  }

  @Test
  void aZeroStepZeroLossGivesAZeroOrInfiniteRelativeChange() {
    assertThat(SetReport.of(every10(0.0, 0.0)).relativeChange()).isZero();
    assertThat(SetReport.of(every10(0.0, 0.5)).relativeChange()).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void aReportFindsItsSetsByName() {
    EvalReport report = EvalReport.of(List.of(every10(2.0, 2.1), new ValidationCurve("code",
        List.of(new EvalPoint(0, 0, 5.0), new EvalPoint(10, 1000, 3.0)))));

    assertThat(report.names()).containsExactly("general", "code");
    assertThat(report.set("code").change()).isEqualTo(-2.0);
    assertThat(report.find("general")).isPresent();
    assertThat(report.find("finance")).isEmpty();
    assertThatThrownBy(() -> report.set("finance")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no validation set 'finance' in the report (sets: general, code)");
  }

  @Test
  void aReportRefusesTheSameSetTwice() {
    assertThatThrownBy(() -> EvalReport.of(List.of(every10(2.0), every10(3.0))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'general' appears twice");
  }

  @Test
  void describeIsATableWithOneLinePerSet() {
    EvalReport report = EvalReport.of(List.of(every10(2.0, 2.25, 1.875, 2.5),
        new ValidationCurve("code", List.of(new EvalPoint(0, 0, 4.0), new EvalPoint(10, 1000, 3.0)))));

    assertThat(report.describe()).isEqualTo("""
        set      step 0  final  change           perplexity      lowest (step)  stability gap
        general  2.000   2.500  +0.500 (+25.0%)  7.389 -> 12.18  1.875 (20)     rose 0.500 nats above step 0 at step 30, not recovered
        code     4.000   3.000  -1.000 (-25.0%)  54.60 -> 20.09  3.000 (10)     no rise above step 0
        """);
    assertThat(new EvalReport(List.of()).describe()).isEqualTo("no validation sets");
  }

  @Test
  void curvesStartAtStepZeroAndMoveForward() {
    EvalPoint zero = new EvalPoint(0, 0, 2.0);
    assertThatThrownBy(() -> new ValidationCurve("general", List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no evaluations");
    assertThatThrownBy(() -> new ValidationCurve("general", List.of(new EvalPoint(5, 0, 2.0))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must start at step 0");
    assertThatThrownBy(() -> new ValidationCurve("general", List.of(zero, new EvalPoint(0, 0, 2.0))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("step 0 follows step 0");
    assertThatThrownBy(() -> new ValidationCurve("general", List.of(zero, new EvalPoint(20, 10, 2.0),
        new EvalPoint(10, 20, 2.0)))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step 10 follows step 20");
    assertThatThrownBy(() -> new ValidationCurve("general", List.of(new EvalPoint(0, 50, 2.0),
        new EvalPoint(10, 40, 2.0)))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokens must not decrease");
    assertThatThrownBy(() -> new ValidationCurve(" ", List.of(zero)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not blank");
  }

  @Test
  void plusAppendsWithoutChangingTheCurve() {
    ValidationCurve start = ValidationCurve.start("general", 2.0);
    ValidationCurve next = start.plus(new EvalPoint(10, 100, 2.5));

    assertThat(start.points()).hasSize(1);
    assertThat(next.points()).extracting(EvalPoint::step).containsExactly(0L, 10L);
    assertThat(next.last().loss()).isEqualTo(2.5);
    assertThatThrownBy(() -> next.plus(new EvalPoint(10, 100, 2.0))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> next.points().add(new EvalPoint(20, 200, 2.0)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void pointsRefuseLossesThatAreNotFiniteAndNonNegative() {
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -0.1}) {
      assertThatThrownBy(() -> new EvalPoint(40, 10, bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("a validation loss must be finite and >= 0, got " + bad + " at step 40");
    }
    assertThatThrownBy(() -> new EvalPoint(-1, 0, 1.0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new EvalPoint(0, -1, 1.0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(new EvalPoint(0, 0, Math.log(50)).perplexity()).isCloseTo(50, within(1e-12));
  }

  @Test
  void setReportsRefuseInconsistentValues() {
    StabilityGap gap = new StabilityGap(2.0, 0, 0, OptionalLong.empty());
    assertThatThrownBy(() -> new SetReport("general", 2.0, 2.5, 0.5, 0.25, 2.1, 0, gap))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minLoss 2.1 exceeds");
    assertThatThrownBy(() -> new SetReport("general", 3.0, 2.5, -0.5, -0.1, 2.5, 0, gap))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("baseline 2.0 is not the initial loss 3.0");
    assertThatThrownBy(() -> new SetReport("general", 2.0, Double.NaN, 0.5, 0.25, 2.0, 0, gap))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("finalLoss");
  }
}
