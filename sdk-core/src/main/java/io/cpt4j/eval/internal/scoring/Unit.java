package io.cpt4j.eval.internal.scoring;

import java.util.List;

/**
 * What the packer places in a row: one {@link Window} alone, or several windows that begin with
 * the same tokens, laid out as that shared prefix once followed by each window's remaining tokens
 * (its suffix), each suffix a document that continues the prefix ({@link
 * io.cpt4j.backend.TrainingSession#tokenScores(io.cpt4j.backend.Batch, int[])}). The prefix ends
 * before every member's first scored position, so each member's scored positions lie in its own
 * suffix. Immutable.
 *
 * @param prefix the shared tokens (empty for a window alone)
 * @param members the windows, each beginning with {@code prefix}; exactly one when the prefix is empty
 */
record Unit(int[] prefix, List<Window> members) {

  Unit {
    members = List.copyOf(members);
  }

  /** {@code w} alone. */
  static Unit of(Window w) {
    return new Unit(new int[0], List.of(w));
  }

  /** Whether the members share a prefix (laid out once). */
  boolean shared() {
    return prefix.length > 0;
  }

  /** Positions the unit takes in a row: the prefix once plus every member's suffix. */
  int length() {
    int n = prefix.length;
    for (Window w : members) {
      n += w.length() - prefix.length;
    }
    return n;
  }
}
