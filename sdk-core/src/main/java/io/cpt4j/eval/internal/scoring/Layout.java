package io.cpt4j.eval.internal.scoring;

import io.cpt4j.backend.Batch;
import io.cpt4j.backend.TokenScores;
import io.cpt4j.eval.Loglikelihood;
import java.util.Arrays;
import java.util.List;

/**
 * One forward pass: {@link Unit}s placed in {@code rows × length} positions, each at a start offset
 * in its row, one after another; the rest of a row is padding. Immutable.
 *
 * <p>As a {@link Batch}, a window alone is a document of its own (positions restart at 0, attention
 * stays inside it), so it scores the same wherever it is placed. A shared unit is its prefix, a
 * document without targets, followed by each member's suffix, a document that continues the prefix
 * ({@link Pass#prefixOf()}): the member sees the prefix and its own suffix, at the positions it has
 * alone. Padding is one more document at the end of its row, with no target. Targets are set at the
 * scored positions alone (the continuation tokens), so the session computes the LM head only there.
 *
 * @param rows rows of the pass
 * @param length positions per row
 * @param placements the units, each with its row and start
 */
record Layout(int rows, int length, List<Placement> placements) {

  /** Id fed at padding positions: any id of the vocabulary would do, nothing reads its outputs. */
  static final int PAD = 0;

  /** A unit at {@code start} of {@code row}. */
  record Placement(Unit unit, int row, int start) {}

  /**
   * The pass as a batch with, for each of its document ids, the document it continues (-1 for
   * none); {@code shared} when some document continues another.
   */
  record Pass(Batch batch, int[] prefixOf, boolean shared) {}

  Layout {
    placements = List.copyOf(placements);
  }

  /** The batch of the pass (see the class description). */
  Pass toPass() {
    int n = rows * length;
    int[] ids = new int[n];
    int[] targets = new int[n];
    float[] weights = new float[n];
    int[] docs = new int[n];
    int[] prefixOf = new int[n + rows]; // at most one document a position, plus the padding
    Arrays.fill(ids, PAD);
    Arrays.fill(targets, Batch.IGNORE);
    Arrays.fill(prefixOf, -1);
    int[] fill = new int[rows];
    int doc = 0;
    boolean shared = false;
    for (Placement p : placements) { // rows filled left to right, so document ids grow along each row
      Unit u = p.unit();
      int at = p.row() * length + p.start();
      int prefixDoc = -1;
      if (u.shared()) {
        System.arraycopy(u.prefix(), 0, ids, at, u.prefix().length);
        Arrays.fill(docs, at, at + u.prefix().length, doc);
        prefixDoc = doc++;
        at += u.prefix().length;
        shared = true;
      }
      for (Window w : u.members()) {
        int skip = u.prefix().length; // the member's tokens before `skip` are the prefix
        System.arraycopy(w.input(), skip, ids, at, w.length() - skip);
        Arrays.fill(docs, at, at + w.length() - skip, doc);
        prefixOf[doc++] = prefixDoc;
        for (int k = 0; k < w.continuation().length; k++) {
          targets[at + w.firstScored() - skip + k] = w.continuation()[k];
          weights[at + w.firstScored() - skip + k] = 1f;
        }
        at += w.length() - skip;
      }
      fill[p.row()] = Math.max(fill[p.row()], p.start() + u.length());
    }
    for (int r = 0; r < rows; r++) { // padding: one more document per row
      Arrays.fill(docs, r * length + fill[r], (r + 1) * length, doc++);
    }
    return new Pass(new Batch(rows, length, ids, targets, weights, docs), Arrays.copyOf(prefixOf, doc), shared);
  }

  /**
   * Turns the pass's scores into answers: {@code answers[window.request()]} gets the negated sum
   * of the continuation's NLLs (summed in double) and whether every continuation token is the
   * argmax of its position.
   */
  void collect(TokenScores scores, Loglikelihood[] answers) {
    for (Placement p : placements) {
      int at = p.row() * length + p.start() + p.unit().prefix().length;
      for (Window w : p.unit().members()) {
        int skip = p.unit().prefix().length;
        int o = at + w.firstScored() - skip;
        double nll = 0;
        boolean greedy = true;
        for (int k = 0; k < w.continuation().length; k++) {
          nll += scores.nll()[o + k];
          greedy &= scores.argmax()[o + k] == w.continuation()[k];
        }
        answers[w.request()] = new Loglikelihood(-nll, greedy, w.continuation().length);
        at += w.length() - skip;
      }
    }
  }

  /** {@code next[window.request()]} = the argmax at each window's last position. */
  void collectNext(TokenScores scores, int[] next) {
    for (Placement p : placements) {
      int at = p.row() * length + p.start() + p.unit().prefix().length;
      for (Window w : p.unit().members()) {
        int skip = p.unit().prefix().length;
        next[w.request()] = scores.argmax()[at + w.length() - skip - 1];
        at += w.length() - skip;
      }
    }
  }
}
