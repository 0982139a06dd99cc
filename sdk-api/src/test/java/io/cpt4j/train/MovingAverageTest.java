package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MovingAverageTest {
  @Test
  void theFirstValueIsItselfNotPulledTowardsZero() {
    assertThat(new MovingAverage(0.9).add(3.5)).isEqualTo(3.5);
  }

  @Test
  void matchesTheBiasCorrectedDefinition() {
    MovingAverage ema = new MovingAverage(0.5);
    ema.add(4);
    ema.add(2);
    // (0.5·0.5·4 + 0.5·2) / (1 − 0.25) = 2 / 0.75
    assertThat(ema.add(Double.NaN)).isCloseTo(2 / 0.75, within(1e-12));
    assertThat(ema.add(1)).isCloseTo((0.125 * 4 + 0.25 * 2 + 0.5 * 1) / 0.875, within(1e-12));
  }

  @Test
  void aConstantStaysConstantAndNonFiniteValuesAreIgnored() {
    MovingAverage ema = new MovingAverage(0.99);
    assertThat(ema.value()).isNaN();
    for (int i = 0; i < 1000; i++) {
      ema.add(i % 7 == 0 ? Double.POSITIVE_INFINITY : 2.25);
    }
    assertThat(ema.value()).isCloseTo(2.25, within(1e-12));
  }

  @Test
  void betaZeroIsTheLastValueAndBetaOneIsRejected() {
    MovingAverage ema = new MovingAverage(0);
    ema.add(1);
    assertThat(ema.add(5)).isEqualTo(5);
    assertThatThrownBy(() -> new MovingAverage(1)).isInstanceOf(IllegalArgumentException.class);
  }
}
