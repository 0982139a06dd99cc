package io.cpt4j.data.internal;

import io.cpt4j.backend.Batch;
import io.cpt4j.data.Packing;

/**
 * Turns filled {@link RowTokens} into the arrays of a {@link Batch}, counting padding and ignored
 * targets.
 *
 * <p>A row of {@code m ≤ sequenceLength + 1} tokens: position {@code t < m} has input {@code
 * tokens[t]} and target {@code tokens[t + 1]}, except that the target is {@link Batch#IGNORE} (weight
 * 0) when {@code t + 1 = m} (nothing follows) or when {@code tokens[t + 1]} begins a document or
 * belongs to a metadata prefix. Positions from {@code m} on are padding: input {@code padId}, target
 * IGNORE. Document ids start at 0 in every row; packed rows step the id where a document begins and
 * give padding an id of its own; unpacked rows keep one id throughout. Each row names its source
 * ({@link Batch#rowSources()}; {@code ""} for padding and for evaluation passes).
 */
final class BatchBuilder {
  private final int rows;
  private final int length;
  private final boolean packed;
  private final int padId;
  private final int[] inputs;
  private final int[] targets;
  private final float[] weights;
  private final int[] documentIds;
  private final String[] sources;
  long paddingPositions;
  long ignoredTargets;

  BatchBuilder(int rows, Packing packing) {
    this.rows = rows;
    this.length = packing.sequenceLength();
    this.packed = packing.packed();
    this.padId = packing.padId();
    int n = Math.multiplyExact(rows, length);
    inputs = new int[n];
    targets = new int[n];
    weights = new float[n];
    documentIds = new int[n];
    sources = new String[rows];
    java.util.Arrays.fill(sources, "");
  }

  /** Names the source row {@code r} was drawn from (padding rows keep {@code ""}). */
  void source(int r, String name) {
    sources[r] = name;
  }

  /** Writes {@code row} as row {@code r}. */
  void put(int r, RowTokens row) {
    int base = r * length;
    int m = row.size;
    int id = 0;
    for (int t = 0; t < length; t++) {
      int i = base + t;
      if (t < m) {
        if (packed && t > 0 && (row.flags[t] & RowTokens.FIRST) != 0) {
          id++;
        }
        inputs[i] = row.tokens[t];
        documentIds[i] = id;
        if (t + 1 < m && !row.ignoredAsTarget(t + 1)) {
          targets[i] = row.tokens[t + 1];
          weights[i] = 1f;
        } else {
          targets[i] = Batch.IGNORE;
          ignoredTargets++;
        }
      } else {
        inputs[i] = padId;
        documentIds[i] = packed && m > 0 ? id + 1 : id;
        targets[i] = Batch.IGNORE;
        paddingPositions++;
        ignoredTargets++;
      }
    }
  }

  /** Writes row {@code r} as padding only (after the mixture stopped within the batch). */
  void putEmpty(int r, RowTokens scratch) {
    scratch.clear();
    put(r, scratch);
  }

  Batch build() {
    return new Batch(rows, length, inputs, targets, weights, documentIds, java.util.List.of(sources));
  }
}
