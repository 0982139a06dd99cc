package io.cpt4j.data;

import static io.cpt4j.data.InMemoryDataset.EOS;
import static io.cpt4j.data.InMemoryDataset.PAD;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a sampler refuses, with the fact and the fix. */
class SamplerInputTest {
  private static final Packing PACKING = Packing.builder().sequenceLength(8).eosId(EOS).padId(PAD).build();
  private static final InMemoryDataset A = InMemoryDataset.generated("a", 0, 5, 1, 10, 1);
  private static final InMemoryDataset B = InMemoryDataset.generated("b", 1, 5, 1, 10, 2);
  private static final Mixture TWO = Mixture.of(Source.text("a"), 0.5).and(Source.text("b"), 0.5);

  @Test
  void datasetsMustMatchTheSourcesInNumber() {
    assertThatThrownBy(() -> MixtureSampler.create(TWO, List.of(A), PACKING, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the mixture has 2 sources [a, b] but 1 datasets were given: pass one dataset per source, in order");
    assertThatThrownBy(() -> MixtureSampler.create(Mixture.of(Source.text("a"), 1), List.of(A, B), PACKING, 100))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 sources [a] but 2 datasets");
  }

  @Test
  void anEmptyDatasetIsRefused() {
    InMemoryDataset empty = new InMemoryDataset("b", new int[0][], null);
    assertThatThrownBy(() -> MixtureSampler.create(TWO, List.of(A, empty), PACKING, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the dataset of source 'b' (memory/b) has no documents");
  }

  @Test
  void aSubsetLargerThanTheDatasetIsRefused() {
    Mixture mixture = Mixture.of(Source.text("a"), 1, Limits.builder().subsetDocuments(6).build());
    assertThatThrownBy(() -> MixtureSampler.create(mixture, List.of(A), PACKING, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("source 'a' asks for a subset of 6 documents but its dataset has 5");
  }

  @Test
  void plannedTokensMustBePositive() {
    assertThatThrownBy(() -> MixtureSampler.create(TWO, List.of(A, B), PACKING, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("planned tokens must be > 0, got 0");
  }

  @Test
  void aBatchNeedsAtLeastOneRow() {
    MixtureSampler sampler = MixtureSampler.create(TWO, List.of(A, B), PACKING, 100);
    assertThatThrownBy(() -> sampler.next(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a batch needs at least 1 row, got 0");
    assertThatThrownBy(() -> sampler.next(-3)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nullArgumentsAreNamed() {
    assertThatThrownBy(() -> MixtureSampler.create(null, List.of(A), PACKING, 100))
        .isInstanceOf(NullPointerException.class).hasMessage("mixture");
    assertThatThrownBy(() -> MixtureSampler.create(TWO, null, PACKING, 100))
        .isInstanceOf(NullPointerException.class).hasMessage("datasets");
    assertThatThrownBy(() -> MixtureSampler.create(TWO, List.of(A, B), null, 100))
        .isInstanceOf(NullPointerException.class).hasMessage("packing");
  }
}
