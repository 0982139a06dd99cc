package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SeedGridTest {
  @Test
  void theGridWarmsUpOver0HalfOneAndTwoPercentAndDecaysToATenthOfMax() {
    List<NamedSchedule> grid = Rewarm.seedGrid(3e-4);
    assertThat(grid).extracting(NamedSchedule::name)
        .containsExactly("warmup-0pct", "warmup-0.5pct", "warmup-1pct", "warmup-2pct");
    long t = 10_000;
    long[] warmups = {0, 50, 100, 200};
    for (int i = 0; i < grid.size(); i++) {
      LrSchedule s = grid.get(i).schedule();
      long w = warmups[i];
      assertThat(s).isEqualTo(new WarmupDecaySchedule(0, 3e-4, i == 0 ? Span.NONE
          : Span.fraction(new double[] {0, 0.005, 0.01, 0.02}[i]), DecayShape.COSINE, 3e-4 * 0.1));
      assertThat(s.lr(0, t)).as(grid.get(i).name()).isEqualTo(w == 0 ? 3e-4 : 0.0);
      assertThat(s.lr(w, t)).as(grid.get(i).name()).isEqualTo(3e-4);
      assertThat(s.lr(t - 1, t)).as(grid.get(i).name()).isEqualTo(0.1 * 3e-4);
      LrAssert.assertMatches(s, t, new long[] {w},
          step -> WarmupDecayScheduleTest.cosine(step, t, w, 0, 3e-4, 0.1 * 3e-4));
    }
  }

  @Test
  void theGridScalesWithMaxLr() {
    for (double max : new double[] {1.5e-4, 3e-4, 6e-4}) {
      for (NamedSchedule n : Rewarm.seedGrid(max)) {
        WarmupDecaySchedule s = (WarmupDecaySchedule) n.schedule();
        assertThat(s.maxLr()).isEqualTo(max);
        assertThat(s.minLr()).isEqualTo(0.1 * max);
      }
    }
  }
}
