package io.cpt4j.eval.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.backend.Backends;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.TestSessions;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.data.Packing;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The validation loss of a real tiny model on the CPU backend against per-token losses summed here. */
class ValidatorSessionTest {
  @TempDir Path tmp;

  /** Σ tokenLosses over the target positions of the reference rows, one row at a time, / their count. */
  private static double referenceLoss(TrainingSession s, List<ReferencePacking.Row> rows) {
    double sum = 0;
    long count = 0;
    for (ReferencePacking.Row row : rows) {
      float[] nll = s.tokenLosses(ReferencePacking.batch(row));
      for (int t = 0; t < nll.length; t++) {
        if (row.targets()[t] != Batch.IGNORE) {
          sum += nll[t];
          count++;
        }
      }
    }
    return sum / count;
  }

  @Test
  void theLossIsTheMeanTokenNllOfTheFixedRowsAndRepeatsExactly() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    int eos = config.vocabSize() - 1;
    ArrayTokenDataset data = ValidatorTest.randomDataset(25, 30, 5);
    Packing packing = Packing.packed(16, eos);
    try (Checkpoint ckpt = TestSessions.tinyCheckpoint(tmp.resolve("m"), config, 1);
        TrainingSession s = Backends.cpu().open(ckpt, SessionOptions.defaults())) {
      Validator v = Validator.build("general", data, packing, 3, Long.MAX_VALUE);
      List<ReferencePacking.Row> rows = ReferencePacking.rows(ValidatorTest.documents(data), packing, Integer.MAX_VALUE);

      double loss = v.loss(s);
      double reference = referenceLoss(s, rows);

      assertThat(v.rows()).isEqualTo(rows.size());
      assertThat(loss).isCloseTo(reference, within(1e-5 * reference));
      assertThat(loss).isCloseTo(Math.log(config.vocabSize()), within(0.5)); // random weights: near uniform
      assertThat(v.loss(s)).isEqualTo(loss); // same tokens, same model: the same value
      assertThat(Validator.build("general", data, packing, 1, Long.MAX_VALUE).loss(s))
          .isCloseTo(loss, within(1e-5 * loss)); // grouping rows differently changes only rounding

      // training on other tokens moves the validation loss; the batches stay what they were
      List<ReferencePacking.Row> before = ReferencePacking.rowsOf(v.batches());
      s.step(List.of(TestSessions.randomBatch(config.vocabSize(), 2, 16, 9)), 1e-2);
      double after = v.loss(s);
      assertThat(after).isNotEqualTo(loss);
      assertThat(after).isCloseTo(referenceLoss(s, rows), within(1e-5 * after));
      assertThat(ReferencePacking.rowsOf(v.batches())).usingRecursiveFieldByFieldElementComparator().isEqualTo(before);
    }
  }
}
