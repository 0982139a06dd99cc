package io.cpt4j.eval.internal.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.backend.Batch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Passes built by {@link RowPacker}: every window placed once, none overlapping, rows within the
 * context and passes within the token budget (a window longer than the budget alone), longest
 * first; and {@link Layout#toBatch} gives each window a document of its own with targets only at
 * its continuation.
 */
class RowPackerTest {
  private static List<Window> windows(int count, int maxLength, long seed) {
    Random r = new Random(seed);
    List<Window> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int length = 1 + r.nextInt(r.nextInt(8) == 0 ? maxLength : 40);
      int cont = 1 + r.nextInt(Math.min(length, 6));
      out.add(new Window(i, ScoringFixtures.tokens(r, length, 50), ScoringFixtures.tokens(r, cont, 50)));
    }
    return RowPacker.longestFirst(out);
  }

  private static void assertValid(List<Layout> passes, int windows, int maxLength, int batchTokens) {
    Set<Integer> seen = new HashSet<>();
    for (Layout pass : passes) {
      boolean alone = pass.placements().size() == 1;
      assertThat(pass.length()).isLessThanOrEqualTo(maxLength);
      if (!alone) {
        assertThat(pass.rows() * pass.length()).isLessThanOrEqualTo(batchTokens);
      }
      int[][] used = new int[pass.rows()][pass.length()];
      for (Layout.Placement p : pass.placements()) {
        assertThat(seen.add(p.window().request())).as("placed once").isTrue();
        for (int t = p.start(); t < p.start() + p.window().length(); t++) {
          assertThat(used[p.row()][t]++).as("overlap").isZero();
        }
      }
    }
    assertThat(seen).hasSize(windows);
  }

  @Test
  void packedPassesHoldEveryWindowOnceWithinTheBudget() {
    for (int budget : new int[] {30, 256, 8192}) {
      List<Window> w = windows(300, 128, budget);
      assertValid(RowPacker.packed(w, 128, budget, 256), w.size(), 128, budget);
    }
  }

  @Test
  void paddedPassesHoldOneWindowARow() {
    List<Window> w = windows(300, 128, 5);
    List<Layout> passes = RowPacker.padded(w, 1000);
    assertValid(passes, w.size(), 128, 1000);
    for (Layout pass : passes) {
      assertThat(pass.placements()).allMatch(p -> p.start() == 0);
      assertThat(pass.length()).isEqualTo(pass.placements().getFirst().window().length());
    }
  }

  @Test
  void packingFillsRowsAndNeedsFarFewerPositionsThanPadding() {
    List<Window> w = windows(500, 128, 7);
    int real = w.stream().mapToInt(Window::length).sum();
    long packed = RowPacker.packed(w, 128, 8192, 256).stream().mapToLong(p -> (long) p.rows() * p.length()).sum();
    long padded = RowPacker.padded(w, 8192).stream().mapToLong(p -> (long) p.rows() * p.length()).sum();
    assertThat(packed).isLessThan((long) (real * 1.1));
    assertThat(padded).isGreaterThan(packed);
  }

  @Test
  void aBatchGivesEachWindowADocumentAndTargetsOnlyItsContinuation() {
    Window a = new Window(0, new int[] {1, 2, 3, 4}, new int[] {4, 9});
    Window b = new Window(1, new int[] {5, 6}, new int[] {7});
    Layout pass = new Layout(1, 8, List.of(new Layout.Placement(a, 0, 0), new Layout.Placement(b, 0, 4)));
    Batch batch = pass.toBatch();
    assertThat(batch.inputIds()).containsExactly(1, 2, 3, 4, 5, 6, Layout.PAD, Layout.PAD);
    int x = Batch.IGNORE;
    assertThat(batch.targets()).containsExactly(x, x, 4, 9, x, 7, x, x);
    assertThat(batch.documentIds()).containsExactly(0, 0, 0, 0, 1, 1, 2, 2);
    assertThat(batch.position(5)).isEqualTo(1);
  }
}
