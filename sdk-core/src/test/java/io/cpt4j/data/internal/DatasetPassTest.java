package io.cpt4j.data.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.backend.Batch;
import io.cpt4j.data.InMemoryDataset;
import io.cpt4j.data.Limits;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.MixtureSampler;
import io.cpt4j.data.Packing;
import io.cpt4j.data.Source;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link DatasetPass} is the training packer read once in dataset order: for the same documents in
 * the same order, its rows are the rows {@link BlendedSampler} packs for a single source read for one
 * epoch, less those without a target (a sampler row of one position from EOS to the next document,
 * say), which the pass skips.
 */
class DatasetPassTest {
  private static final int SEED = 7;
  private static final int DOCS = 13;

  /** The rows of a one-epoch, one-source mixture over {@code data}, one row per batch, until it stops. */
  private static List<Batch> samplerRows(InMemoryDataset data, Packing packing) {
    Limits once = Limits.builder().onExhausted(Limits.Exhaustion.STOP).build();
    MixtureSampler sampler = MixtureSampler.create(Mixture.of(Source.text("a"), 1, once).seed(SEED), List.of(data),
        packing, 1_000_000);
    List<Batch> rows = new ArrayList<>();
    while (sampler.hasNext()) {
      rows.add(sampler.next(1));
    }
    assertThat(sampler.stats().sources().get("a").documentsStarted()).isEqualTo(DOCS);
    return rows;
  }

  /** {@code data}'s documents in the sampler's first-pass order, as a dataset read front to back. */
  private static InMemoryDataset inSamplerOrder(InMemoryDataset data) {
    int[] order = new DocumentOrder(SEED, 0, DOCS, 0).pass(0);
    int[][] docs = Arrays.stream(order).mapToObj(data::documentTokens).toArray(int[][]::new);
    return new InMemoryDataset("ordered", docs, null);
  }

  @Test
  void theRowsAreTheSamplersRowsForTheSameDocumentsInTheSameOrder() {
    InMemoryDataset data = InMemoryDataset.generated("a", 0, DOCS, 1, 40, 3);
    for (boolean packed : new boolean[] {true, false}) {
      for (int bos : new int[] {-1, 2}) {
        for (int length : new int[] {1, 5, 16}) {
          Packing packing = Packing.builder().sequenceLength(length).packed(packed).eosId(InMemoryDataset.EOS)
              .padId(InMemoryDataset.PAD).bosId(bos).build();
          List<Batch> expected = samplerRows(data, packing).stream().filter(b -> b.totalWeight() > 0).toList();

          DatasetPass pass = DatasetPass.read(inSamplerOrder(data), packing, 1, Integer.MAX_VALUE);

          // the sampler names each row's source, an evaluation pass does not
          assertThat(pass.batches()).as("%s", packing).usingRecursiveFieldByFieldElementComparatorIgnoringFields(
              "rowSources")
              .isEqualTo(expected);
          assertThat(pass.rows()).isEqualTo(expected.size()).isGreaterThanOrEqualTo(packed ? 1 : DOCS);
          assertThat(pass.documents()).isEqualTo(DOCS);
        }
      }
    }
  }

  @Test
  void rowsAreGroupedIntoBatchesWithASmallerLastOne() {
    InMemoryDataset data = InMemoryDataset.generated("a", 0, DOCS, 1, 40, 4);
    Packing packing = Packing.builder().sequenceLength(8).eosId(InMemoryDataset.EOS).padId(InMemoryDataset.PAD).bosId(2)
        .build();
    DatasetPass one = DatasetPass.read(data, packing, 1, Integer.MAX_VALUE);
    DatasetPass three = DatasetPass.read(data, packing, 3, Integer.MAX_VALUE);

    assertThat(three.rows()).isEqualTo(one.rows()).isGreaterThan(6);
    List<Integer> sizes = three.batches().stream().map(Batch::rows).toList();
    assertThat(sizes).hasSize((one.rows() + 2) / 3);
    assertThat(sizes.subList(0, sizes.size() - 1)).containsOnly(3);
    assertThat(sizes.getLast()).isEqualTo(one.rows() - 3 * (sizes.size() - 1));
    int[] joined = three.batches().stream().flatMapToInt(b -> Arrays.stream(b.inputIds())).toArray();
    assertThat(joined).isEqualTo(one.batches().stream().flatMapToInt(b -> Arrays.stream(b.inputIds())).toArray());
    assertThat(DatasetPass.read(data, packing, 3, 4).batches()).extracting(Batch::rows).containsExactly(3, 1);
  }

  @Test
  void rowsWithoutATargetAreSkippedAndAnEmptyDatasetHasNoRows() {
    int e = InMemoryDataset.EOS;
    // unpacked, no BOS: an empty document is the row "EOS", which predicts nothing
    InMemoryDataset data = new InMemoryDataset("x", new int[][] {{}, {5, 6}, {}}, null);
    DatasetPass pass = DatasetPass.read(data, Packing.unpacked(4, e, 0), 2, Integer.MAX_VALUE);
    assertThat(pass.rows()).isEqualTo(1);
    assertThat(pass.documents()).isEqualTo(3);
    assertThat(pass.batches().getFirst().inputIds()).containsExactly(5, 6, e, 0);
    // with BOS the empty document still teaches "BOS then EOS"
    Packing framed = Packing.unpacked(4, e, 0).newBuilder().bosId(2).build();
    assertThat(DatasetPass.read(data, framed, 2, Integer.MAX_VALUE).rows()).isEqualTo(3);

    assertThat(DatasetPass.read(new InMemoryDataset("none", new int[0][], null), Packing.packed(4, e), 1, 10).rows())
        .isZero();
    assertThatThrownBy(() -> DatasetPass.read(data, Packing.packed(4, e), 0, 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("rows per batch and max rows must be >= 1, got 0 and 10");
  }
}
