package io.cpt4j.train;

import static io.cpt4j.train.LrAssert.assertMatches;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DecayScheduleTest {
  /** fromLr before S, the shape from fromLr (step S) to minLr (step S + K - 1), then minLr. */
  static double decay(long s, long from, long k, String shape, double lr0, double m) {
    if (s < from) {
      return lr0;
    }
    if (s >= from + k) {
      return m;
    }
    double p = k == 1 ? 1 : (double) (s - from) / (k - 1);
    return switch (shape) {
      case "linear" -> m + (lr0 - m) * (1 - p);
      case "cosine" -> m + (lr0 - m) * (1 + Math.cos(Math.PI * p)) / 2;
      case "1-sqrt" -> m + (lr0 - m) * (1 - Math.sqrt(p));
      case "exponential" -> lr0 * Math.pow(m / lr0, p);
      default -> throw new AssertionError(shape);
    };
  }

  @Test
  void everyShapeMatchesItsClosedForm() {
    long[][] runs = {{0, 1_000}, {4_000, 500}, {7, 1}, {3, 2}, {100_000, 20_000}};
    for (String id : new String[] {"linear", "cosine", "1-sqrt", "exponential"}) {
      for (long[] run : runs) {
        long from = run[0];
        long k = run[1];
        DecaySchedule s = new DecaySchedule(3e-4, from, k, DecayShape.fromId(id), 3e-6);
        assertMatches(s, from + k, new long[] {from, from + k - 1}, step -> decay(step, from, k, id, 3e-4, 3e-6));
        assertThat(s.lr(from, from + k)).as(id).isEqualTo(k == 1 ? 3e-6 : 3e-4); // one step: at the floor
        assertThat(s.lr(from + k - 1, from + k)).as(id).isEqualTo(3e-6);
      }
    }
  }

  @Test
  void oneMinusSqrtByHand() {
    DecaySchedule s = new DecaySchedule(1.0, 10, 5, DecayShape.ONE_MINUS_SQRT, 0);
    assertThat(s.lr(0, 15)).isEqualTo(1.0);
    assertThat(s.lr(10, 15)).isEqualTo(1.0);
    assertThat(s.lr(11, 15)).isEqualTo(1 - Math.sqrt(0.25));
    assertThat(s.lr(12, 15)).isEqualTo(1 - Math.sqrt(0.5));
    assertThat(s.lr(14, 15)).isEqualTo(0.0);
    // a longer run stays at the floor after the decay
    assertThat(s.lr(20, 30)).isEqualTo(0.0);
    assertThat(s.endStep()).isEqualTo(15);
  }

  @Test
  void aDecayToItsOwnStartIsConstantBitForBit() {
    double lr = 0.01;
    for (DecayShape shape : DecayShape.values()) {
      DecaySchedule s = new DecaySchedule(lr, 4, 8, shape, lr);
      for (long step = 4; step < 12; step++) {
        assertThat(s.lr(step, 12)).as(shape.id()).isEqualTo(lr);
      }
    }
  }

  @Test
  void theRunMustNotEndBeforeTheDecay() {
    DecaySchedule s = new DecaySchedule(1e-3, 100, 50, DecayShape.COSINE, 0);
    s.validateFor(150);
    s.validateFor(1_000);
    s.validateFor(LrSchedule.UNBOUNDED);
    assertThat(s.needsTotalSteps()).isFalse();
    assertThatThrownBy(() -> s.validateFor(149)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the decay (50 steps from step 100) ends at step 149, after the run's last step (148)");
  }

  @Test
  void invalidDecaysNameTheField() {
    assertThatThrownBy(() -> new DecaySchedule(1e-4, 0, 10, DecayShape.LINEAR, 1e-3))
        .hasMessage("minLr (0.001) must be <= fromLr (1.0E-4)");
    assertThatThrownBy(() -> new DecaySchedule(1e-3, 0, 0, DecayShape.LINEAR, 0))
        .hasMessage("decaySteps must be >= 1, got 0");
    assertThatThrownBy(() -> new DecaySchedule(1e-3, -1, 5, DecayShape.LINEAR, 0))
        .hasMessage("fromStep must be >= 0, got -1");
    assertThatThrownBy(() -> new DecaySchedule(1e-3, 0, 5, DecayShape.EXPONENTIAL, 0))
        .hasMessageContaining("minLr must be > 0 for an exponential decay");
    assertThatThrownBy(() -> new DecaySchedule(1e-3, 0, 5, null, 0)).hasMessage("shape must not be null");
  }

  @Test
  void readsBackFromItsMapAndDescribesItself() {
    DecaySchedule s = new DecaySchedule(3e-4, 4_000, 500, DecayShape.ONE_MINUS_SQRT, 3e-5);
    assertThat(s.toMap()).containsExactly(Map.entry("type", "decay"), Map.entry("fromLr", 3e-4),
        Map.entry("minLr", 3e-5), Map.entry("shape", "1-sqrt"), Map.entry("fromStep", 4_000L),
        Map.entry("decaySteps", 500L));
    assertThat(LrSchedule.fromMap(s.toMap())).isEqualTo(s);
    assertThat(LrSchedule.fromMap(Map.of("type", "decay", "fromLr", "1e-3", "minLr", 0, "shape", "cosine",
        "decaySteps", 10))).isEqualTo(new DecaySchedule(1e-3, 0, 10, DecayShape.COSINE, 0));
    assertThatThrownBy(() -> LrSchedule.fromMap(Map.of("type", "decay", "fromLr", 1e-3, "minLr", 0, "shape", "cosine")))
        .hasMessageContaining("'decaySteps' is missing");
    assertThat(s.describe()).isEqualTo("from step 4000: 1-sqrt decay from 3.0E-4 to 3.0E-5 over 500 steps");
  }
}
