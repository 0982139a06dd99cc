package io.cpt4j.eval.internal.scoring;

import io.cpt4j.backend.Batch;
import io.cpt4j.backend.TokenScores;
import io.cpt4j.eval.Loglikelihood;
import java.util.Arrays;
import java.util.List;

/**
 * One forward pass: {@link Window}s placed in {@code rows × length} positions, each at a start
 * offset in its row, one after another; the rest of a row is padding. Immutable.
 *
 * <p>As a {@link Batch} every window is a document of its own (positions restart at 0, attention
 * stays inside the document), so a window scores the same wherever it is placed; padding is one
 * more document at the end of its row, id 0 with no target. Targets are set at the scored
 * positions alone (the continuation tokens), so the session computes the LM head only there.
 *
 * @param rows rows of the pass
 * @param length positions per row
 * @param placements the windows, each with its row and start
 */
record Layout(int rows, int length, List<Placement> placements) {

  /** Id fed at padding positions: any id of the vocabulary would do, nothing reads its outputs. */
  static final int PAD = 0;

  /** A window at {@code start} of {@code row}. */
  record Placement(Window window, int row, int start) {}

  Layout {
    placements = List.copyOf(placements);
  }

  /** The pass as a batch of packed documents, targets only at the continuations. */
  Batch toBatch() {
    int n = rows * length;
    int[] ids = new int[n];
    int[] targets = new int[n];
    float[] weights = new float[n];
    int[] docs = new int[n];
    Arrays.fill(ids, PAD);
    Arrays.fill(targets, Batch.IGNORE);
    int[] fill = new int[rows];
    int doc = 0;
    for (Placement p : placements) { // rows filled left to right, so document ids grow along each row
      Window w = p.window();
      int o = p.row() * length + p.start();
      System.arraycopy(w.input(), 0, ids, o, w.length());
      for (int t = o; t < o + w.length(); t++) {
        docs[t] = doc;
      }
      for (int k = 0; k < w.continuation().length; k++) {
        targets[o + w.firstScored() + k] = w.continuation()[k];
        weights[o + w.firstScored() + k] = 1f;
      }
      fill[p.row()] = Math.max(fill[p.row()], p.start() + w.length());
      doc++;
    }
    for (int r = 0; r < rows; r++) { // padding: one more document per row
      for (int t = r * length + fill[r]; t < (r + 1) * length; t++) {
        docs[t] = doc;
      }
      doc++;
    }
    return new Batch(rows, length, ids, targets, weights, docs);
  }

  /**
   * Turns the pass's scores into answers: {@code answers[window.request()]} gets the negated sum
   * of the continuation's NLLs (summed in double) and whether every continuation token is the
   * argmax of its position.
   */
  void collect(TokenScores scores, Loglikelihood[] answers) {
    for (Placement p : placements) {
      Window w = p.window();
      int o = p.row() * length + p.start() + w.firstScored();
      double nll = 0;
      boolean greedy = true;
      for (int k = 0; k < w.continuation().length; k++) {
        nll += scores.nll()[o + k];
        greedy &= scores.argmax()[o + k] == w.continuation()[k];
      }
      answers[w.request()] = new Loglikelihood(-nll, greedy, w.continuation().length);
    }
  }
}
