package io.cpt4j.backend;

import java.util.Arrays;

/**
 * The shared-prefix documents of {@link TrainingSession#tokenScores(Batch, int[])}: the check of
 * {@code prefixOf} against a batch, and the reference meaning of a shared prefix, the batch with
 * every continuing document preceded by its own copy of its prefix (what the default
 * implementation scores). Stateless.
 */
final class SharedPrefixes {
  private SharedPrefixes() {}

  /**
   * Checks {@code prefixOf} against {@code batch}: every document id of the batch indexes it, and a
   * document with a prefix ({@code prefixOf[d] >= 0}) comes after that prefix in the same row, the
   * prefix itself having none.
   *
   * @throws IllegalArgumentException naming the document otherwise
   */
  static void check(Batch batch, int[] prefixOf) {
    int length = batch.length();
    int[] docs = batch.documentIds();
    int[] rowOf = new int[prefixOf.length];
    Arrays.fill(rowOf, -1);
    for (int i = 0; i < docs.length; i++) {
      int d = docs[i];
      if (d < 0 || d >= prefixOf.length) {
        throw new IllegalArgumentException("document id " + d + " at position " + i + " is outside prefixOf [0, "
            + prefixOf.length + ")");
      }
      boolean start = i % length == 0 || docs[i - 1] != d;
      if (!start) {
        continue;
      }
      if (rowOf[d] >= 0) {
        throw new IllegalArgumentException("document " + d + " appears twice (rows " + rowOf[d] + " and " + i / length
            + "): with shared prefixes a document id names one stretch of one row");
      }
      rowOf[d] = i / length;
      int p = prefixOf[d];
      if (p >= 0 && (p >= prefixOf.length || rowOf[p] != i / length || p == d)) {
        throw new IllegalArgumentException("document " + d + " continues document " + p
            + ", which does not come before it in its row " + i / length);
      }
      if (p >= 0 && prefixOf[p] >= 0) {
        throw new IllegalArgumentException("document " + d + " continues document " + p + ", which itself continues "
            + prefixOf[p] + ": a prefix must be a plain document");
      }
    }
  }

  /**
   * The scores of {@code batch} with shared prefixes, computed by {@code session} on the plain batch
   * in which each continuing document is preceded by a copy of its prefix (no targets on the copy),
   * each such pair one document; mapped back to {@code batch}'s positions.
   */
  static TokenScores byExpansion(TrainingSession session, Batch batch, int[] prefixOf) {
    check(batch, prefixOf);
    int rows = batch.rows();
    int length = batch.length();
    int[] start = new int[prefixOf.length]; // where each document starts, and its length
    int[] size = new int[prefixOf.length];
    int[] docs = batch.documentIds();
    for (int i = 0; i < docs.length; i++) {
      if (i % length == 0 || docs[i - 1] != docs[i]) {
        start[docs[i]] = i;
      }
      size[docs[i]]++;
    }
    int[] rowLength = new int[rows];
    for (int i = 0; i < docs.length; i++) {
      boolean first = i % length == 0 || docs[i - 1] != docs[i];
      rowLength[i / length] += 1 + (first && prefixOf[docs[i]] >= 0 ? size[prefixOf[docs[i]]] : 0);
    }
    int wide = Arrays.stream(rowLength).max().orElse(1);
    int n = rows * wide;
    int[] ids = new int[n];
    int[] targets = new int[n];
    float[] weights = new float[n];
    int[] newDocs = new int[n];
    int[] from = new int[docs.length]; // original position -> expanded position
    Arrays.fill(targets, Batch.IGNORE);
    int doc = 0;
    for (int r = 0; r < rows; r++) {
      int at = r * wide;
      for (int t = 0; t < length; t++) {
        int i = r * length + t;
        boolean first = t == 0 || docs[i - 1] != docs[i];
        if (first) {
          doc++;
          int p = prefixOf[docs[i]];
          for (int k = 0; p >= 0 && k < size[p]; k++, at++) { // the copy of the prefix, no targets
            ids[at] = batch.inputIds()[start[p] + k];
            newDocs[at] = doc;
          }
        }
        ids[at] = batch.inputIds()[i];
        targets[at] = batch.targets()[i];
        weights[at] = batch.weights()[i];
        newDocs[at] = doc;
        from[i] = at++;
      }
      for (doc++; at < (r + 1) * wide; at++) {
        newDocs[at] = doc;
      }
    }
    TokenScores wideScores = session.tokenScores(new Batch(rows, wide, ids, targets, weights, newDocs));
    float[] nll = new float[docs.length];
    int[] argmax = new int[docs.length];
    for (int i = 0; i < docs.length; i++) {
      nll[i] = wideScores.nll()[from[i]];
      argmax[i] = wideScores.argmax()[from[i]];
    }
    return new TokenScores(nll, argmax);
  }
}
