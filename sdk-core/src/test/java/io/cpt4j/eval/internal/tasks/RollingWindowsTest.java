package io.cpt4j.eval.internal.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestEncoder#rollingWindows}: the harness's {@code get_rolling_token_windows} with
 * {@code context_len=1}, each window made disjoint, worked out by hand.
 */
class RollingWindowsTest {

  private static List<String> windows(int[] tokens, int[] prefix, int maxLength) {
    return RequestEncoder.rollingWindows(tokens, prefix, maxLength).stream()
        .map(w -> java.util.Arrays.toString(w[0]) + " -> " + java.util.Arrays.toString(w[1])).toList();
  }

  @Test
  void sevenTokensInWindowsOfThree() {
    // first window: [prefix] + t[0:2] predicts t[0:3]; disjoint, its context is the prefix alone.
    // second: end 6, input t[2:5] = 12 13 14 predicts t[3:6]; disjoint, context t[2:3] = 12.
    // third: end 7, input t[3:6] = 13 14 15 predicts t[6:7] = 16; all of its input is context.
    assertThat(windows(new int[] {10, 11, 12, 13, 14, 15, 16}, new int[] {0}, 3)).containsExactly(
        "[0] -> [10, 11, 12]", "[12] -> [13, 14, 15]", "[13, 14, 15] -> [16]");
  }

  @Test
  void aTextShorterThanTheContextIsOneWindow() {
    assertThat(windows(new int[] {5, 6}, new int[] {1}, 8)).containsExactly("[1] -> [5, 6]");
  }

  @Test
  void anExactMultipleEndsOnAFullWindow() {
    assertThat(windows(new int[] {1, 2, 3, 4}, new int[] {9}, 2)).containsExactly("[9] -> [1, 2]", "[2] -> [3, 4]");
  }

  @Test
  void everyTokenIsPredictedOnceAndNoRequestIsLongerThanTheModelSeesPlusOne() {
    int[] tokens = java.util.stream.IntStream.range(100, 1100).toArray();
    for (int maxLength : new int[] {1, 2, 7, 64, 999, 1000, 4096}) {
      List<int[][]> w = RequestEncoder.rollingWindows(tokens, new int[] {0}, maxLength);
      assertThat(w.stream().flatMapToInt(x -> java.util.Arrays.stream(x[1])).toArray()).isEqualTo(tokens);
      assertThat(w).allMatch(x -> x[0].length + x[1].length <= maxLength + 1 && x[0].length >= 1);
    }
  }

  @Test
  void anEmptyTextHasNoWindows() {
    assertThat(windows(new int[0], new int[] {0}, 4)).isEmpty();
  }
}
