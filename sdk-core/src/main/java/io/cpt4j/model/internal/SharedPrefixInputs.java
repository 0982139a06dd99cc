package io.cpt4j.model.internal;

import io.cpt4j.backend.Batch;

/**
 * Position ids of a batch whose documents may continue a shared prefix ({@link
 * io.cpt4j.backend.TrainingSession#tokenScores(Batch, int[])}), after {@link
 * Batch#checkPrefixOf} checks {@code prefixOf} against the batch. Stateless.
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
    b.checkPrefixOf(prefixOf);
    int length = b.length();
    int[] docs = b.documentIds();
    int[] size = new int[prefixOf.length];
    int[] positions = new int[docs.length];
    for (int i = 0; i < docs.length; i++) {
      int d = docs[i];
      boolean start = i % length == 0 || docs[i - 1] != d;
      if (start) {
        int p = prefixOf[d];
        positions[i] = p >= 0 ? size[p] : 0;
      } else {
        positions[i] = positions[i - 1] + 1;
      }
      size[d]++;
    }
    return positions;
  }
}
