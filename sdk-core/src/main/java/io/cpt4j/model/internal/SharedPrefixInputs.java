package io.cpt4j.model.internal;

import io.cpt4j.backend.Batch;
import java.util.Arrays;

/**
 * Position ids of a batch whose documents may continue a shared prefix ({@link
 * io.cpt4j.backend.TrainingSession#tokenScores(Batch, int[])}), after checking {@code prefixOf}
 * against the batch. Stateless.
 */
final class SharedPrefixInputs {
  private SharedPrefixInputs() {}

  /**
   * Position ids: 0 at the start of a plain document, the prefix's length at the start of a
   * continuing one, then +1.
   *
   * @throws IllegalArgumentException naming the document if a document id is outside {@code
   *     prefixOf}, names two stretches, or continues a document that is not a plain document before
   *     it in its row
   */
  static int[] positions(Batch b, int[] prefixOf) {
    int length = b.length();
    int[] docs = b.documentIds();
    int[] rowOf = new int[prefixOf.length];
    int[] size = new int[prefixOf.length];
    Arrays.fill(rowOf, -1);
    int[] positions = new int[docs.length];
    for (int i = 0; i < docs.length; i++) {
      int d = docs[i];
      if (d < 0 || d >= prefixOf.length) {
        throw new IllegalArgumentException("document id " + d + " at position " + i + " is outside prefixOf [0, "
            + prefixOf.length + ")");
      }
      boolean start = i % length == 0 || docs[i - 1] != d;
      if (start) {
        if (rowOf[d] >= 0) {
          throw new IllegalArgumentException("document " + d + " appears twice (rows " + rowOf[d] + " and "
              + i / length + "): with shared prefixes a document id names one stretch of one row");
        }
        rowOf[d] = i / length;
        int p = prefixOf[d];
        if (p >= 0 && (p >= prefixOf.length || p == d || rowOf[p] != i / length)) {
          throw new IllegalArgumentException("document " + d + " continues document " + p
              + ", which does not come before it in its row " + i / length);
        }
        if (p >= 0 && prefixOf[p] >= 0) {
          throw new IllegalArgumentException("document " + d + " continues document " + p
              + ", which itself continues " + prefixOf[p] + ": a prefix must be a plain document");
        }
        positions[i] = p >= 0 ? size[p] : 0;
      } else {
        positions[i] = positions[i - 1] + 1;
      }
      size[d]++;
    }
    return positions;
  }
}
