package io.cpt4j.data;

import io.cpt4j.backend.Batch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Batches taken apart into rows, read back with the token encoding of {@link InMemoryDataset}. */
final class SampledRows {
  private SampledRows() {}

  /** One row of a batch; {@code source} is -1 for a row of padding only. */
  record Row(int index, int batch, int source, int[] inputs, int[] targets, float[] weights, int[] documentIds) {
    int length() {
      return inputs.length;
    }

    /** Positions whose input is a token, not padding. */
    int realInputs() {
      int n = 0;
      for (int t = 0; t < inputs.length; t++) {
        n += inputs[t] == InMemoryDataset.PAD && targets[t] == Batch.IGNORE ? 0 : 1;
      }
      return n;
    }

    /** Tokens of the row's {@code length + 1} window that are real: real inputs plus the last target if present. */
    int windowTokens() {
      int real = realInputs();
      return real + (real == length() && targets[length() - 1] != Batch.IGNORE ? 1 : 0);
    }
  }

  static List<Row> rows(List<Batch> batches) {
    List<Row> rows = new ArrayList<>();
    for (int b = 0; b < batches.size(); b++) {
      Batch batch = batches.get(b);
      int l = batch.length();
      for (int r = 0; r < batch.rows(); r++) {
        int from = r * l;
        int[] in = Arrays.copyOfRange(batch.inputIds(), from, from + l);
        int source = -1;
        for (int token : in) {
          if (InMemoryDataset.sourceOf(token) >= 0) {
            source = InMemoryDataset.sourceOf(token);
            break;
          }
        }
        rows.add(new Row(rows.size(), b, source, in, Arrays.copyOfRange(batch.targets(), from, from + l),
            Arrays.copyOfRange(batch.weights(), from, from + l), Arrays.copyOfRange(batch.documentIds(), from, from + l)));
      }
    }
    return rows;
  }

  static List<Row> of(List<Row> rows, int source) {
    return rows.stream().filter(r -> r.source() == source).toList();
  }

  /** The real inputs of {@code rows}, concatenated: for packed rows, the component's token stream. */
  static int[] inputs(List<Row> rows) {
    return rows.stream()
        .flatMapToInt(r -> Arrays.stream(Arrays.copyOf(r.inputs(), r.realInputs())))
        .toArray();
  }

  /** The targets of the real inputs of {@code rows}, concatenated. */
  static int[] targets(List<Row> rows) {
    return rows.stream()
        .flatMapToInt(r -> Arrays.stream(Arrays.copyOf(r.targets(), r.realInputs())))
        .toArray();
  }

  /** Splits a stream at EOS into documents (the trailing part without EOS is dropped). */
  static List<int[]> documents(int[] stream) {
    List<int[]> docs = new ArrayList<>();
    int start = 0;
    for (int k = 0; k < stream.length; k++) {
      if (stream[k] == InMemoryDataset.EOS) {
        docs.add(Arrays.copyOfRange(stream, start, k));
        start = k + 1;
      }
    }
    return docs;
  }

  static List<Batch> take(MixtureSampler sampler, int batches, int rowsPerBatch) {
    List<Batch> out = new ArrayList<>();
    for (int b = 0; b < batches && sampler.hasNext(); b++) {
      out.add(sampler.next(rowsPerBatch));
    }
    return out;
  }
}
