package io.cpt4j.eval.internal;

import io.cpt4j.backend.Batch;
import io.cpt4j.data.Packing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The validation rows written out from {@link Packing}'s description by global stream index, as a
 * reference for {@link Validator} (which fills rows incrementally): row {@code k} of a packed set
 * covers stream tokens {@code k·L .. k·L + L}.
 */
final class ReferencePacking {
  private ReferencePacking() {}

  /** One row: inputs, targets (IGNORE or a token) and document ids, {@code sequenceLength} each. */
  record Row(int[] inputs, int[] targets, int[] documentIds) {
    boolean hasTarget() {
      return Arrays.stream(targets).anyMatch(t -> t != Batch.IGNORE);
    }
  }

  /** The rows with at least one target, at most {@code maxRows} of them. */
  static List<Row> rows(int[][] documents, Packing packing, int maxRows) {
    List<Row> all = packing.packed() ? packed(documents, packing) : unpacked(documents, packing);
    return all.stream().filter(Row::hasTarget).limit(maxRows).toList();
  }

  private static List<Row> packed(int[][] documents, Packing packing) {
    List<Integer> stream = new ArrayList<>();
    List<Boolean> starts = new ArrayList<>();
    for (int[] d : documents) {
      if (packing.framesWithBos()) {
        stream.add(packing.bosId());
        starts.add(true);
      }
      for (int i = 0; i <= d.length; i++) {
        stream.add(i < d.length ? d[i] : packing.eosId());
        starts.add(i == 0 && !packing.framesWithBos());
      }
    }
    int s = stream.size();
    int len = packing.sequenceLength();
    List<Row> rows = new ArrayList<>();
    for (int k = 0; k == 0 ? s > 0 : (long) k * len + 1 < s; k++) {
      int begin = k * len;
      int end = Math.min(begin + len, s - 1); // last stream index in the row, inclusive
      int[] in = new int[len];
      int[] tg = new int[len];
      int[] ids = new int[len];
      int lastId = 0;
      for (int t = 0; t < len; t++) {
        int j = begin + t;
        if (j <= end) {
          in[t] = stream.get(j);
          int id = 0;
          for (int x = begin + 1; x <= j; x++) {
            id += starts.get(x) ? 1 : 0;
          }
          ids[t] = id;
          lastId = id;
          tg[t] = j + 1 <= end && !starts.get(j + 1) ? stream.get(j + 1) : Batch.IGNORE;
        } else {
          in[t] = packing.padId();
          ids[t] = lastId + 1;
          tg[t] = Batch.IGNORE;
        }
      }
      rows.add(new Row(in, tg, ids));
    }
    return rows;
  }

  private static List<Row> unpacked(int[][] documents, Packing packing) {
    int len = packing.sequenceLength();
    List<Row> rows = new ArrayList<>();
    for (int[] d : documents) {
      int lead = packing.framesWithBos() ? 1 : 0;
      int[] seq = new int[lead + d.length + 1];
      if (lead == 1) {
        seq[0] = packing.bosId();
      }
      System.arraycopy(d, 0, seq, lead, d.length);
      seq[lead + d.length] = packing.eosId();
      int m = Math.min(seq.length, len + 1);
      int[] in = new int[len];
      int[] tg = new int[len];
      for (int t = 0; t < len; t++) {
        in[t] = t < m ? seq[t] : packing.padId();
        tg[t] = t + 1 < m ? seq[t + 1] : Batch.IGNORE;
      }
      rows.add(new Row(in, tg, new int[len]));
    }
    return rows;
  }

  /** The rows of {@code batches}, in order. */
  static List<Row> rowsOf(List<Batch> batches) {
    List<Row> rows = new ArrayList<>();
    for (Batch b : batches) {
      int l = b.length();
      for (int r = 0; r < b.rows(); r++) {
        rows.add(new Row(Arrays.copyOfRange(b.inputIds(), r * l, r * l + l),
            Arrays.copyOfRange(b.targets(), r * l, r * l + l), Arrays.copyOfRange(b.documentIds(), r * l, r * l + l)));
      }
    }
    return rows;
  }

  /** A one-row batch of {@code row} with weight 1 on every target. */
  static Batch batch(Row row) {
    float[] w = new float[row.targets().length];
    for (int i = 0; i < w.length; i++) {
      w[i] = row.targets()[i] == Batch.IGNORE ? 0 : 1;
    }
    return new Batch(1, row.inputs().length, row.inputs(), row.targets(), w, row.documentIds());
  }
}
