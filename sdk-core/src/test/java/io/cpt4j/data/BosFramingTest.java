package io.cpt4j.data;

import static io.cpt4j.data.InMemoryDataset.EOS;
import static io.cpt4j.data.InMemoryDataset.PAD;
import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.backend.Batch;
import io.cpt4j.data.SampledRows.Row;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Packing.Builder#bosId}: every document is framed {@code BOS document EOS} as a Llama- or
 * Mistral-style model was pretrained; BOS opens the document (same document id, its own target
 * ignored as it crosses the boundary) and the document's first token is learned from it.
 */
class BosFramingTest {
  private static final int L = 16;
  private static final int BOS = 2;
  private static final Packing PACKED = Packing.builder().sequenceLength(L).eosId(EOS).padId(PAD).build();
  private final InMemoryDataset a = InMemoryDataset.generated("a", 0, 17, 1, 30, 1);
  private final Mixture mixture = Mixture.of(Source.text("a"), 1.0).seed(5);

  private List<Row> rows(Packing packing) {
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(a), packing, 1_000_000);
    return SampledRows.rows(SampledRows.take(sampler, 60, 3));
  }

  @Test
  void everyDocumentIsBosTextEos() {
    int[] stream = SampledRows.inputs(rows(PACKED.newBuilder().bosId(BOS).build()));
    List<int[]> docs = SampledRows.documents(stream);
    assertThat(docs.size()).isGreaterThan(2 * 17);
    for (int[] doc : docs) { // the stream starts at a document
      assertThat(doc[0]).isEqualTo(BOS);
      int id = InMemoryDataset.documentOf(doc[1]);
      assertThat(java.util.Arrays.copyOfRange(doc, 1, doc.length)).isEqualTo(a.documentTokens(id));
    }
    assertThat(stream[0]).isEqualTo(BOS);
  }

  @Test
  void theBosTargetIsIgnoredAndTheFirstTokenIsLearned() {
    List<Row> rows = rows(PACKED.newBuilder().bosId(BOS).build());
    int checkedBos = 0;
    for (Row r : rows) {
      for (int t = 0; t < L; t++) {
        if (t + 1 < L && r.inputs()[t + 1] == BOS) {
          assertThat(r.targets()[t]).as("predicting BOS across the boundary").isEqualTo(Batch.IGNORE);
        }
        if (r.inputs()[t] == BOS) {
          checkedBos++;
          if (t + 1 < L) {
            assertThat(r.targets()[t]).as("the first token after BOS").isEqualTo(r.inputs()[t + 1]);
            assertThat(r.documentIds()[t + 1]).as("BOS and its document share an id").isEqualTo(r.documentIds()[t]);
          }
          if (t > 0) {
            assertThat(r.documentIds()[t]).as("BOS begins a new document").isNotEqualTo(r.documentIds()[t - 1]);
          }
        }
      }
    }
    assertThat(checkedBos).isGreaterThan(30);
  }

  @Test
  void withoutBosTheStreamIsUnchanged() {
    assertThat(SampledRows.inputs(rows(PACKED.newBuilder().bosId(-1).build())))
        .isEqualTo(SampledRows.inputs(rows(PACKED)));
  }
}
