package io.cpt4j.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The gap and the set report on random curves, checked against the definitions restated as
 * predicates over all points (not the single pass of the implementation).
 */
class StabilityGapPropertiesTest {

  /** Random curves with few distinct loss values, so that ties and exact returns to step 0 occur. */
  @Provide
  Arbitrary<ValidationCurve> curves() {
    Arbitrary<Double> loss = Arbitraries.integers().between(0, 12).map(i -> 2.0 + 0.125 * i);
    Arbitrary<Integer> gap = Arbitraries.integers().between(1, 50);
    return Arbitraries.integers().between(1, 20).flatMap(n -> Combinators.combine(loss.list().ofSize(n),
        gap.list().ofSize(n)).as((losses, gaps) -> {
          List<EvalPoint> points = new ArrayList<>();
          long step = 0;
          for (int i = 0; i < n; i++) {
            points.add(new EvalPoint(step, step * 64, losses.get(i)));
            step += gaps.get(i);
          }
          return new ValidationCurve("set", points);
        }));
  }

  @Property
  void theGapMatchesItsDefinition(@ForAll("curves") ValidationCurve curve) {
    StabilityGap gap = StabilityGap.of(curve);
    List<EvalPoint> p = curve.points();
    double base = p.getFirst().loss();

    assertThat(gap.baselineLoss()).isEqualTo(base);
    // maxRise is an upper bound of every rise and is attained (or 0 when nothing rose)
    for (EvalPoint e : p) {
      assertThat(e.loss() - base).isLessThanOrEqualTo(gap.maxRise());
    }
    boolean anyAbove = p.stream().anyMatch(e -> e.loss() > base);
    assertThat(gap.hasRise()).isEqualTo(anyAbove);
    if (!anyAbove) {
      assertThat(gap.maxRise()).isZero();
      assertThat(gap.maxRiseStep()).isZero();
      assertThat(gap.recoveredStep()).isEmpty();
      assertThat(gap.recovered()).isTrue();
      return;
    }
    int peak = indexOf(p, gap.maxRiseStep());
    assertThat(p.get(peak).loss() - base).isEqualTo(gap.maxRise());
    // the peak is the first point with that rise
    for (int i = 0; i < peak; i++) {
      assertThat(p.get(i).loss() - base).isLessThan(gap.maxRise());
    }
    // recovery: strictly below the baseline after the peak, and nothing below it in between
    if (gap.recoveredStep().isPresent()) {
      int back = indexOf(p, gap.recoveredStep().getAsLong());
      assertThat(back).isGreaterThan(peak);
      assertThat(p.get(back).loss()).isLessThan(base);
      for (int i = peak + 1; i < back; i++) {
        assertThat(p.get(i).loss()).isGreaterThanOrEqualTo(base);
      }
      assertThat(gap.recovered()).isTrue();
    } else {
      for (int i = peak + 1; i < p.size(); i++) {
        assertThat(p.get(i).loss()).isGreaterThanOrEqualTo(base);
      }
      assertThat(gap.recovered()).isFalse();
    }
  }

  @Property
  void theSetReportMatchesItsDefinition(@ForAll("curves") ValidationCurve curve) {
    SetReport r = SetReport.of(curve);
    List<EvalPoint> p = curve.points();
    double min = p.stream().mapToDouble(EvalPoint::loss).min().orElseThrow();

    assertThat(r.change()).isEqualTo(p.getLast().loss() - p.getFirst().loss());
    assertThat(r.relativeChange()).isEqualTo(r.change() / p.getFirst().loss());
    assertThat(r.minLoss()).isEqualTo(min);
    assertThat(r.minLossStep()).isEqualTo(p.stream().filter(e -> e.loss() == min).findFirst().orElseThrow().step());
    assertThat(r.gap()).isEqualTo(StabilityGap.of(curve));
  }

  private static int indexOf(List<EvalPoint> points, long step) {
    for (int i = 0; i < points.size(); i++) {
      if (points.get(i).step() == step) {
        return i;
      }
    }
    throw new AssertionError("no point at step " + step);
  }
}
