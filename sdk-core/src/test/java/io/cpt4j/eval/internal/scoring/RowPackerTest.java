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
 * Passes built by {@link RowPacker}: every window placed once, units not overlapping, rows within
 * the context and passes within the token budget (a unit longer than the budget alone); windows
 * with the same context share it, within the context length; and {@link Layout#toPass} gives each
 * window a document of its own, continuing its shared prefix, with targets only at its continuation.
 */
class RowPackerTest {
  private static List<Window> windows(int count, int maxLength, long seed) {
    Random r = new Random(seed);
    List<Window> out = new ArrayList<>();
    int[] context = ScoringFixtures.tokens(r, 10, 50);
    for (int i = 0; i < count; i++) {
      int length = 1 + r.nextInt(r.nextInt(8) == 0 ? maxLength : 40);
      int cont = 1 + r.nextInt(Math.min(length, 6));
      int[] input = ScoringFixtures.tokens(r, length, 50);
      if (r.nextInt(3) == 0 && length - cont >= 10) { // some windows begin with one common context
        System.arraycopy(context, 0, input, 0, 10);
      }
      out.add(new Window(i, input, ScoringFixtures.tokens(r, cont, 50)));
    }
    return out;
  }

  private static void assertValid(List<Layout> passes, int windows, int maxLength, int batchTokens) {
    Set<Integer> seen = new HashSet<>();
    for (Layout pass : passes) {
      assertThat(pass.length()).isLessThanOrEqualTo(maxLength);
      if (pass.placements().size() > 1) {
        assertThat(pass.rows() * pass.length()).isLessThanOrEqualTo(batchTokens);
      }
      int[][] used = new int[pass.rows()][pass.length()];
      for (Layout.Placement p : pass.placements()) {
        p.unit().members().forEach(w -> assertThat(seen.add(w.request())).as("placed once").isTrue());
        for (int t = p.start(); t < p.start() + p.unit().length(); t++) {
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
      assertValid(RowPacker.packed(RowPacker.shareContexts(w, 128), budget), w.size(), 128, budget);
    }
  }

  @Test
  void paddedPassesHoldOneWindowARow() {
    List<Window> w = windows(300, 128, 5);
    List<Layout> passes = RowPacker.padded(w, 1000);
    assertValid(passes, w.size(), 128, 1000);
    for (Layout pass : passes) {
      assertThat(pass.placements()).allMatch(p -> p.start() == 0 && !p.unit().shared());
      assertThat(pass.length()).isEqualTo(pass.placements().getFirst().unit().length());
    }
  }

  @Test
  void windowsWithOneContextShareItWithinTheContextLength() {
    int[] context = {1, 2, 3, 4, 5, 6};
    List<Window> w = new ArrayList<>();
    for (int i = 0; i < 5; i++) { // inputs 1..6 + 3 tokens: the context's last token is scored
      w.add(new Window(i, new int[] {1, 2, 3, 4, 5, 6, 7 + i, 8, 9}, new int[] {9, 9, 9, 9}));
    }
    w.add(new Window(5, new int[] {1, 2, 3, 4, 5, 6, 7}, new int[] {9})); // another first scored position
    List<Unit> units = RowPacker.shareContexts(w, 14);
    assertThat(units).hasSize(4); // 5 + 4 + 4 ≤ 14 twice, the fifth alone, and the other window alone
    assertThat(units.get(0).prefix()).containsExactly(1, 2, 3, 4, 5);
    assertThat(units.get(0).members()).hasSize(2);
    assertThat(units.get(0).length()).isEqualTo(13);
    assertThat(units.get(2).shared()).isFalse();
    assertThat(context).hasSize(6);
  }

  @Test
  void aBatchGivesEachWindowADocumentAndTargetsOnlyItsContinuation() {
    Window a = new Window(0, new int[] {1, 2, 3, 4}, new int[] {4, 9});
    Window b = new Window(1, new int[] {5, 6}, new int[] {7});
    Layout pass = new Layout(1, 8, List.of(new Layout.Placement(Unit.of(a), 0, 0), new Layout.Placement(Unit.of(b), 0, 4)));
    Layout.Pass p = pass.toPass();
    Batch batch = p.batch();
    assertThat(p.shared()).isFalse();
    assertThat(batch.inputIds()).containsExactly(1, 2, 3, 4, 5, 6, Layout.PAD, Layout.PAD);
    int x = Batch.IGNORE;
    assertThat(batch.targets()).containsExactly(x, x, 4, 9, x, 7, x, x);
    assertThat(batch.documentIds()).containsExactly(0, 0, 0, 0, 1, 1, 2, 2);
    assertThat(batch.position(5)).isEqualTo(1);
  }

  @Test
  void aSharedUnitIsItsPrefixThenEachSuffixContinuingIt() {
    Window a = new Window(0, new int[] {1, 2, 3, 4}, new int[] {4, 9}); // first scored position 2
    Window b = new Window(1, new int[] {1, 2, 3}, new int[] {8});       // first scored position 2 too
    Layout pass = new Layout(1, 8, List.of(new Layout.Placement(new Unit(new int[] {1, 2}, List.of(a, b)), 0, 0)));
    Layout.Pass p = pass.toPass();
    int x = Batch.IGNORE;
    assertThat(p.shared()).isTrue();
    assertThat(p.batch().inputIds()).containsExactly(1, 2, 3, 4, 3, Layout.PAD, Layout.PAD, Layout.PAD);
    assertThat(p.batch().targets()).containsExactly(x, x, 4, 9, 8, x, x, x);
    assertThat(p.batch().documentIds()).containsExactly(0, 0, 1, 1, 2, 3, 3, 3);
    assertThat(p.prefixOf()).containsExactly(-1, 0, 0, -1);
  }
}
