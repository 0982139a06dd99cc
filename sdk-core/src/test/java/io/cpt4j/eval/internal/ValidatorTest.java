package io.cpt4j.eval.internal;

import static io.cpt4j.backend.Batch.IGNORE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.backend.Batch;
import io.cpt4j.backend.StepResult;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.data.Packing;
import io.cpt4j.eval.EvalPoint;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Fixed validation batches from an in-memory dataset: packing, caps, batching and the loss average. */
class ValidatorTest {
  private static final int EOS = 9;
  private static final int BOS = 12;
  private static final int PAD = 0;

  @Test
  void packedRowsIgnoreBoundaryTargetsAndRestartDocumentIds() {
    // stream: 1 2 3 EOS | 4 5 EOS | 6 EOS | 7 EOS   (| = a document begins)
    ArrayTokenDataset data = new ArrayTokenDataset(new int[] {1, 2, 3}, new int[] {4, 5}, new int[] {6}, new int[] {7});
    Validator v = Validator.build("general", data, Packing.packed(4, EOS), 2, Long.MAX_VALUE);

    assertThat(v.batches()).hasSize(2);
    Batch a = v.batches().get(0);
    assertThat(a.rows()).isEqualTo(2);
    assertThat(a.length()).isEqualTo(4);
    // row 0: tokens 1 2 3 EOS 4; row 1: 4 5 EOS 6 EOS (4 carried over)
    assertThat(a.inputIds()).containsExactly(1, 2, 3, EOS, /**/ 4, 5, EOS, 6);
    assertThat(a.targets()).containsExactly(2, 3, EOS, IGNORE, /**/ 5, EOS, IGNORE, EOS);
    assertThat(a.documentIds()).containsExactly(0, 0, 0, 0, /**/ 0, 0, 0, 1);
    assertThat(a.weights()).containsExactly(1, 1, 1, 0, /**/ 1, 1, 0, 1);
    // row 2: EOS 7 EOS, then one padding position with a document id of its own
    Batch b = v.batches().get(1);
    assertThat(b.rows()).isEqualTo(1);
    assertThat(b.inputIds()).containsExactly(EOS, 7, EOS, EOS);
    assertThat(b.targets()).containsExactly(IGNORE, EOS, IGNORE, IGNORE);
    assertThat(b.documentIds()).containsExactly(0, 1, 1, 2);
    assertThat(b.weights()).containsExactly(0, 1, 0, 0);

    assertThat(v.rows()).isEqualTo(3);
    assertThat(v.targetTokens()).isEqualTo(7); // 11 stream tokens, 10 successors, 3 boundary crossings
    assertThat(v.documents()).isEqualTo(4);
    assertThat(v.describe()).isEqualTo("general: 3 rows of 4 in 2 batches, 7 target tokens from 4 documents");
  }

  /** Three documents, the first longer than a row of 4: 1..7, then 8, then 10 11 13 14. */
  private static ArrayTokenDataset threeDocuments() {
    return new ArrayTokenDataset(new int[] {1, 2, 3, 4, 5, 6, 7}, new int[] {8}, new int[] {10, 11, 13, 14});
  }

  private static int[] positions(Batch b) {
    return java.util.stream.IntStream.range(0, b.inputIds().length).map(b::position).toArray();
  }

  @Test
  void packedRowsWithoutBosArePinned() {
    Packing packed = Packing.builder().sequenceLength(4).eosId(EOS).padId(PAD).build();
    Validator v = Validator.build("g", threeDocuments(), packed, 8, Long.MAX_VALUE);

    // stream 1 2 3 4 5 6 7 E | 8 E | 10 11 13 14 E, rows of 5 tokens overlapping by one
    Batch b = v.batches().getFirst();
    assertThat(b.rows()).isEqualTo(4);
    assertThat(b.inputIds()).containsExactly(1, 2, 3, 4, /**/ 5, 6, 7, EOS, /**/ 8, EOS, 10, 11, /**/ 13, 14, EOS, PAD);
    assertThat(b.targets())
        .containsExactly(2, 3, 4, 5, /**/ 6, 7, EOS, IGNORE, /**/ EOS, IGNORE, 11, 13, /**/ 14, EOS, IGNORE, IGNORE);
    assertThat(b.weights()).containsExactly(1, 1, 1, 1, /**/ 1, 1, 1, 0, /**/ 1, 0, 1, 1, /**/ 1, 1, 0, 0);
    assertThat(b.documentIds()).containsExactly(0, 0, 0, 0, /**/ 0, 0, 0, 0, /**/ 0, 0, 1, 1, /**/ 0, 0, 0, 1);
    assertThat(positions(b)).containsExactly(0, 1, 2, 3, /**/ 0, 1, 2, 3, /**/ 0, 1, 0, 1, /**/ 0, 1, 2, 0);
    assertThat(v.targetTokens()).isEqualTo(12); // 15 stream tokens, 14 successors, 2 boundary crossings
    assertThat(v.documents()).isEqualTo(3);
  }

  @Test
  void packedRowsWithBosArePinned() {
    Validator v = Validator.build("g", threeDocuments(), Packing.builder().sequenceLength(4).eosId(EOS).padId(PAD)
        .bosId(BOS).build(), 8, Long.MAX_VALUE);

    // stream B 1 2 3 4 5 6 7 E | B 8 E | B 10 11 13 14 E: BOS begins a document, its first token is learned
    Batch b = v.batches().getFirst();
    assertThat(b.rows()).isEqualTo(5);
    assertThat(b.inputIds()).containsExactly(BOS, 1, 2, 3, /**/ 4, 5, 6, 7, /**/ EOS, BOS, 8, EOS,
        /**/ BOS, 10, 11, 13, /**/ 14, EOS, PAD, PAD);
    assertThat(b.targets()).containsExactly(1, 2, 3, 4, /**/ 5, 6, 7, EOS, /**/ IGNORE, 8, EOS, IGNORE,
        /**/ 10, 11, 13, 14, /**/ EOS, IGNORE, IGNORE, IGNORE);
    assertThat(b.documentIds()).containsExactly(0, 0, 0, 0, /**/ 0, 0, 0, 0, /**/ 0, 1, 1, 1, /**/ 0, 0, 0, 0,
        /**/ 0, 0, 1, 1);
    assertThat(positions(b)).containsExactly(0, 1, 2, 3, /**/ 0, 1, 2, 3, /**/ 0, 0, 1, 2, /**/ 0, 1, 2, 3,
        /**/ 0, 1, 0, 1);
    assertThat(v.targetTokens()).isEqualTo(15); // 18 stream tokens, 17 successors, 2 boundary crossings
  }

  @Test
  void unpackedRowsWithAndWithoutBosArePinned() {
    Packing unpacked = Packing.unpacked(4, EOS, PAD);
    Batch plain = Validator.build("g", threeDocuments(), unpacked, 8, Long.MAX_VALUE).batches().getFirst();
    Packing withBos = unpacked.newBuilder().bosId(BOS).build();
    Batch framed = Validator.build("g", threeDocuments(), withBos, 8, Long.MAX_VALUE).batches().getFirst();

    // one document per row: its first 5 tokens (5, 6, 7 and EOS of the first are cut), padded
    assertThat(plain.inputIds()).containsExactly(1, 2, 3, 4, /**/ 8, EOS, PAD, PAD, /**/ 10, 11, 13, 14);
    assertThat(plain.targets()).containsExactly(2, 3, 4, 5, /**/ EOS, IGNORE, IGNORE, IGNORE, /**/ 11, 13, 14, EOS);
    assertThat(framed.inputIds()).containsExactly(BOS, 1, 2, 3, /**/ BOS, 8, EOS, PAD, /**/ BOS, 10, 11, 13);
    assertThat(framed.targets()).containsExactly(1, 2, 3, 4, /**/ 8, EOS, IGNORE, IGNORE, /**/ 10, 11, 13, 14);
    for (Batch b : List.of(plain, framed)) {
      assertThat(b.documentIds()).containsOnly(0);
      assertThat(positions(b)).containsExactly(0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3);
    }
  }

  @Test
  void theLastRowIsPaddedAndAStreamEndingAtARowEndAddsNoRow() {
    ArrayTokenDataset data = new ArrayTokenDataset(new int[] {1, 2, 3}, new int[] {4}, new int[] {5, 6, 7});
    Validator v = Validator.build("general", data, Packing.packed(4, EOS), 8, Long.MAX_VALUE);

    // stream 1 2 3 EOS 4 EOS 5 6 7 EOS = 10 tokens: rows cover 0..4, 4..8, 8..9
    assertThat(v.rows()).isEqualTo(3);
    Batch only = v.batches().getFirst();
    assertThat(only.inputIds()).containsExactly(1, 2, 3, EOS, 4, EOS, 5, 6, 7, EOS, EOS, EOS);
    assertThat(only.targets()).containsExactly(2, 3, EOS, IGNORE, EOS, IGNORE, 6, 7, EOS, IGNORE, IGNORE, IGNORE);

    ArrayTokenDataset exact = new ArrayTokenDataset(new int[] {1, 2, 3}, new int[] {4, 5, 6, 7});
    // stream 1 2 3 EOS 4 5 6 7 EOS = 9 tokens = 4 + 4 + 1: two full rows and nothing left
    assertThat(Validator.build("general", exact, Packing.packed(4, EOS), 8, Long.MAX_VALUE).rows()).isEqualTo(2);
  }

  @Test
  void unpackedRowsHoldOneDocumentEachWithEosWhenItFits() {
    ArrayTokenDataset data = new ArrayTokenDataset(new int[] {1, 2}, new int[] {}, new int[] {3, 4, 5, 6, 7, 8});
    Validator v = Validator.build("code", data, Packing.unpacked(4, EOS, 0), 4, Long.MAX_VALUE);

    Batch b = v.batches().getFirst();
    assertThat(b.rows()).isEqualTo(2); // the empty document has nothing to predict
    assertThat(b.inputIds()).containsExactly(1, 2, EOS, 0, /**/ 3, 4, 5, 6);
    assertThat(b.targets()).containsExactly(2, EOS, IGNORE, IGNORE, /**/ 4, 5, 6, 7);
    assertThat(b.documentIds()).containsOnly(0);
    assertThat(v.targetTokens()).isEqualTo(6);
    assertThat(v.documents()).isEqualTo(3);
  }

  @Test
  void theBatchesAreBuiltOnceAndAreTheSameEveryTime() {
    ArrayTokenDataset data = randomDataset(40, 30, 7);
    Validator v = Validator.build("general", data, Packing.packed(16, 47), 3, Long.MAX_VALUE);
    long read = data.tokensRead;

    assertThat(read).isEqualTo(data.tokenCount()); // every token read once, when built
    assertThat(v.batches()).isSameAs(v.batches());
    FakeSession session = new FakeSession();
    double first = v.loss(session);
    assertThat(v.loss(session)).isEqualTo(first);
    assertThat(data.tokensRead).isEqualTo(read); // evaluating reads nothing more
    Validator again = Validator.build("general", data, Packing.packed(16, 47), 3, Long.MAX_VALUE);
    assertThat(ReferencePacking.rowsOf(again.batches())).usingRecursiveFieldByFieldElementComparator()
        .isEqualTo(ReferencePacking.rowsOf(v.batches()));
    assertThatThrownBy(() -> v.batches().add(v.batches().getFirst())).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void theTokenCapKeepsTheFirstRows() {
    ArrayTokenDataset data = randomDataset(50, 40, 3);
    Packing packing = Packing.packed(8, 47);
    List<ReferencePacking.Row> all = ReferencePacking.rowsOf(Validator.build("g", data, packing, 4, Long.MAX_VALUE).batches());

    long before = data.tokensRead;
    Validator capped = Validator.build("g", data, packing, 4, 8 * 5 + 7); // 47 positions: 5 whole rows
    assertThat(data.tokensRead - before).isLessThanOrEqualTo(5 * 8 + 1); // reading stops at the cap
    assertThat(capped.rows()).isEqualTo(5);
    assertThat(capped.batches()).extracting(Batch::rows).containsExactly(4, 1);
    assertThat(ReferencePacking.rowsOf(capped.batches())).usingRecursiveFieldByFieldElementComparator()
        .isEqualTo(all.subList(0, 5));
    assertThat(Validator.build("g", data, packing, 4, 3).rows()).isEqualTo(1); // below one row: one row
  }

  @Provide
  Arbitrary<int[][]> datasets() {
    Arbitrary<int[]> doc = Arbitraries.integers().between(0, 46).array(int[].class).ofMaxSize(25);
    return doc.array(int[][].class).ofMinSize(1).ofMaxSize(12);
  }

  @Property(tries = 500)
  void rowsMatchTheReferencePacking(@ForAll("datasets") int[][] docs, @ForAll @IntRange(min = 1, max = 9) int length,
      @ForAll @IntRange(min = 1, max = 4) int perBatch, @ForAll @IntRange(min = 1, max = 60) int maxTokens,
      @ForAll boolean packed, @ForAll boolean bos) {
    Packing packing = (packed ? Packing.packed(length, 47) : Packing.unpacked(length, 47, 46)).newBuilder()
        .bosId(bos ? 45 : -1).build();
    int maxRows = Math.max(1, maxTokens / length);
    List<ReferencePacking.Row> expected = ReferencePacking.rows(docs, packing, maxRows);
    if (expected.isEmpty()) {
      assertThatThrownBy(() -> Validator.build("v", new ArrayTokenDataset(docs), packing, perBatch, maxTokens))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no token to predict");
      return;
    }
    Validator v = Validator.build("v", new ArrayTokenDataset(docs), packing, perBatch, maxTokens);

    assertThat(ReferencePacking.rowsOf(v.batches())).usingRecursiveFieldByFieldElementComparator().isEqualTo(expected);
    assertThat(v.rows()).isEqualTo(expected.size());
    for (int i = 0; i < v.batches().size(); i++) {
      assertThat(v.batches().get(i).rows()).isEqualTo(i < v.batches().size() - 1 ? perBatch
          : expected.size() - perBatch * (v.batches().size() - 1));
      Batch b = v.batches().get(i);
      for (int j = 0; j < b.targets().length; j++) {
        assertThat(b.weights()[j]).isEqualTo(b.targets()[j] == IGNORE ? 0f : 1f);
      }
    }
    long targets = expected.stream().flatMapToInt(r -> java.util.Arrays.stream(r.targets())).filter(t -> t != IGNORE)
        .count();
    assertThat(v.targetTokens()).isEqualTo(targets);
  }

  @Test
  void theLossIsTheMeanOverEveryTargetTokenWhateverTheBatching() {
    ArrayTokenDataset data = randomDataset(30, 25, 11);
    Packing packing = Packing.packed(8, 47);
    FakeSession session = new FakeSession();
    List<ReferencePacking.Row> rows = ReferencePacking.rows(documents(data), packing, Integer.MAX_VALUE);
    double sum = 0;
    long count = 0;
    for (ReferencePacking.Row r : rows) {
      for (int t = 0; t < r.targets().length; t++) {
        if (r.targets()[t] != IGNORE) {
          sum += FakeSession.nll(r.inputs()[t], r.targets()[t]);
          count++;
        }
      }
    }
    double expected = sum / count;

    for (int perBatch : new int[] {1, 2, 5, 1000}) {
      Validator v = Validator.build("general", data, packing, perBatch, Long.MAX_VALUE);
      assertThat(v.targetTokens()).isEqualTo(count);
      assertThat(v.loss(session)).isCloseTo(expected, within(1e-12));
      EvalPoint p = v.evaluate(session, 30, 4096);
      assertThat(p).isEqualTo(new EvalPoint(30, 4096, v.loss(session)));
    }
  }

  @Test
  void aDivergedModelIsAnErrorNotAPoint() {
    Validator v = Validator.build("general", randomDataset(3, 10, 1), Packing.packed(4, 47), 2, Long.MAX_VALUE);
    FakeSession nan = new FakeSession() {
      @Override
      public double loss(Batch batch) {
        return Double.NaN;
      }
    };

    assertThat(v.loss(nan)).isNaN();
    assertThatThrownBy(() -> v.evaluate(nan, 40, 100)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a validation loss must be finite and >= 0, got NaN at step 40");
  }

  @Test
  void badArgumentsAndEmptySetsAreRefused() {
    ArrayTokenDataset data = new ArrayTokenDataset(new int[] {1, 2, 3});
    Packing p = Packing.packed(4, EOS);
    assertThatThrownBy(() -> Validator.build(" ", data, p, 1, 100)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not blank");
    assertThatThrownBy(() -> Validator.build("g", data, p, 0, 100)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rows per batch must be >= 1, got 0");
    assertThatThrownBy(() -> Validator.build("g", data, p, 1, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max tokens must be >= 1, got 0");
    assertThatThrownBy(() -> Validator.build("g", new ArrayTokenDataset(), p, 1, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("validation set 'g' (source 'array', 0 documents, 0 tokens) has no token to predict: "
            + "it needs a document with at least one token");
    assertThatThrownBy(() -> Validator.build("g", new ArrayTokenDataset(new int[0], new int[0]), p, 1, 100))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no token to predict");
  }

  static ArrayTokenDataset randomDataset(int documents, int maxLength, long seed) {
    java.util.Random r = new java.util.Random(seed);
    int[][] docs = new int[documents][];
    for (int i = 0; i < documents; i++) {
      docs[i] = r.ints(r.nextInt(maxLength + 1), 0, 47).toArray();
    }
    return new ArrayTokenDataset(docs);
  }

  static int[][] documents(ArrayTokenDataset data) {
    int[][] docs = new int[(int) data.documentCount()][];
    for (int i = 0; i < docs.length; i++) {
      docs[i] = data.document(i);
    }
    return docs;
  }

  /**
   * A session whose per-token NLL is a fixed function of input and target; {@link #loss} is the
   * weighted mean, as {@link TrainingSession#loss} specifies.
   */
  static class FakeSession implements TrainingSession {
    static double nll(int input, int target) {
      return 0.5 + 0.03 * target + 0.001 * input;
    }

    @Override
    public double loss(Batch batch) {
      double s = 0;
      for (int i = 0; i < batch.targets().length; i++) {
        if (batch.targets()[i] != IGNORE) {
          s += batch.weights()[i] * nll(batch.inputIds()[i], batch.targets()[i]);
        }
      }
      return s / batch.totalWeight();
    }

    @Override
    public ModelConfig config() {
      throw new UnsupportedOperationException();
    }

    @Override
    public long parameterCount() {
      return 0;
    }

    @Override
    public StepResult step(List<Batch> microBatches, double learningRate) {
      throw new UnsupportedOperationException();
    }

    @Override
    public float[] tokenLosses(Batch batch) {
      throw new UnsupportedOperationException();
    }

    @Override
    public float[] logits(Batch batch) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long steps() {
      return 0;
    }

    @Override
    public List<Tensor> weights() {
      return List.of();
    }

    @Override
    public void saveState(java.nio.file.Path directory) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void restoreState(java.nio.file.Path directory) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }
}
