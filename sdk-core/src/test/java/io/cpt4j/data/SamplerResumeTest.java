package io.cpt4j.data;

import static io.cpt4j.data.InMemoryDataset.EOS;
import static io.cpt4j.data.InMemoryDataset.PAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.backend.Batch;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Determinism from the seed, and resumption from a saved state with exactly the same batches. */
class SamplerResumeTest {
  private static final int L = 32;
  private static final int ROWS = 3;
  private static final int BATCHES = 200;
  private static final Limits CHAT_BUDGET = Limits.builder().tokenBudget(4000).onExhausted(Limits.Exhaustion.DROP)
      .build();
  private static final Packing PACKED = Packing.builder().sequenceLength(L).eosId(EOS).padId(PAD).build();

  private static final InMemoryDataset WEB = InMemoryDataset.generated("web", 0, 40, 1, 90, 31);
  private static final InMemoryDataset CODE = InMemoryDataset.generated("code", 1, 25, 20, 200, 32);
  private static final InMemoryDataset CHAT = InMemoryDataset.generated("chat", 2, 60, 1, 20, 33)
      .withPrefixes(i -> i % 2 == 0 ? new int[] {InMemoryDataset.prefixToken(2, i, 0), InMemoryDataset.prefixToken(2, i, 1)}
          : new int[0]);

  private static Mixture mixture() {
    return Mixture.of(Source.text("web"), 0.5)
        .and(Source.text("code"), 0.3, Limits.builder().subsetDocuments(10).epochs(2).build())
        .replay(Source.text("chat"), 0.2, CHAT_BUDGET)
        .at(1.0, 0.2, 0.3, 0.5).seed(17).metadataConditioning(0.4);
  }

  private static MixtureSampler create(Mixture mixture, Packing packing) {
    return MixtureSampler.create(mixture, List.of(WEB, CODE, CHAT), packing, 16_000);
  }

  static Stream<Arguments> setups() {
    return Stream.of(
        Arguments.of("packed", (Supplier<MixtureSampler>) () -> create(mixture(), PACKED)),
        Arguments.of("unpacked", (Supplier<MixtureSampler>) () -> create(mixture(), Packing.unpacked(L, EOS, PAD))),
        Arguments.of("stopping", (Supplier<MixtureSampler>) () -> create(Mixture.of(Source.text("web"), 0.5)
            .and(Source.text("code"), 0.5, Limits.builder().epochs(3).onExhausted(Limits.Exhaustion.STOP).build())
            .replay(Source.text("chat"), 0.1), PACKED)));
  }

  static void assertSameBatch(Batch actual, Batch expected, String what) {
    assertThat(actual.rows()).as(what).isEqualTo(expected.rows());
    assertThat(actual.inputIds()).as(what + " inputs").isEqualTo(expected.inputIds());
    assertThat(actual.targets()).as(what + " targets").isEqualTo(expected.targets());
    assertThat(actual.weights()).as(what + " weights").isEqualTo(expected.weights());
    assertThat(actual.documentIds()).as(what + " document ids").isEqualTo(expected.documentIds());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("setups")
  void aRestoredSamplerContinuesWithExactlyTheBatchesOfAnUninterruptedRun(String name, Supplier<MixtureSampler> setup) {
    MixtureSampler reference = setup.get();
    List<Batch> expected = SampledRows.take(reference, BATCHES, ROWS);
    int n = expected.size();
    assertThat(n).isGreaterThan(100);
    for (int k : new int[] {0, 1, 37, 99, n / 2, n - 1}) {
      MixtureSampler first = setup.get();
      SampledRows.take(first, k, ROWS);
      String state = first.saveState();
      MixtureSampler resumed = setup.get();
      resumed.restoreState(state);
      assertThat(resumed.saveState()).as("state after a round trip").isEqualTo(state);
      assertThat(resumed.tokensProduced()).isEqualTo(first.tokensProduced());
      assertThat(resumed.stats()).isEqualTo(first.stats());
      for (int i = k; i < n; i++) {
        assertSameBatch(resumed.next(ROWS), expected.get(i), name + ": batch " + i + " after a restore at " + k);
      }
      assertThat(resumed.hasNext()).isEqualTo(reference.hasNext());
      assertThat(resumed.stats()).isEqualTo(reference.stats());
      assertThat(resumed.saveState()).isEqualTo(reference.saveState());
    }
  }

  @Test
  void theRunsUsedForResumptionExerciseDropsPrefixesAndStops() {
    MixtureSampler packed = create(mixture(), PACKED);
    SampledRows.take(packed, BATCHES, ROWS);
    assertThat(packed.stats().sources().get("chat").state()).isEqualTo("dropped");
    assertThat(packed.stats().sources().get("code").epochsCompleted()).isEqualTo(2);
    assertThat(packed.progress()).isGreaterThan(0.4); // past the metadata-conditioning phase
    MixtureSampler stopping = (MixtureSampler) ((Supplier<?>) setups().toList().get(2).get()[1]).get();
    SampledRows.take(stopping, BATCHES, ROWS);
    assertThat(stopping.hasNext()).isFalse();
  }

  @Test
  void theSameSeedGivesTheSameBatchesAndAnotherSeedAnotherOrder() {
    Packing packing = PACKED;
    List<Batch> a = SampledRows.take(create(mixture(), packing), 50, ROWS);
    List<Batch> b = SampledRows.take(create(mixture(), packing), 50, ROWS);
    for (int i = 0; i < a.size(); i++) {
      assertSameBatch(b.get(i), a.get(i), "batch " + i);
    }
    List<Batch> c = SampledRows.take(create(mixture().seed(18), packing), 50, ROWS);
    assertThat(c.getFirst().inputIds()).isNotEqualTo(a.getFirst().inputIds());
  }

  static Stream<Arguments> otherSamplers() {
    Packing packing = PACKED;
    return Stream.of(
        Arguments.of("another seed", create(mixture().seed(1), packing), "identity.seed is 17 in the state but 1 here"),
        Arguments.of("other weights", MixtureSampler.create(Mixture.of(Source.text("web"), 0.4)
            .and(Source.text("code"), 0.4, Limits.builder().subsetDocuments(10).epochs(2).build())
            .replay(Source.text("chat"), 0.2, CHAT_BUDGET)
            .at(1.0, 0.2, 0.3, 0.5).seed(17).metadataConditioning(0.4), List.of(WEB, CODE, CHAT), packing, 16_000),
            "identity.mixture"),
        Arguments.of("another metadata fraction", create(mixture().metadataConditioning(0.5), packing),
            "identity.metadataConditioning"),
        Arguments.of("another sequence length", create(mixture(), PACKED.newBuilder().sequenceLength(L + 1).build()),
            "identity.packing.sequenceLength"),
        Arguments.of("unpacked", create(mixture(), Packing.unpacked(L, EOS, PAD)), "identity.packing.packed"),
        Arguments.of("another plan", MixtureSampler.create(mixture(), List.of(WEB, CODE, CHAT), packing, 16_001),
            "identity.plannedTokens"),
        Arguments.of("other data", MixtureSampler.create(mixture(),
            List.of(WEB, InMemoryDataset.generated("code", 1, 25, 20, 201, 32), CHAT), packing, 16_000),
            "identity.sources[1].fingerprint"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("otherSamplers")
  void aStateIsRefusedBySamplersOfAnotherMixtureDatasetPackingOrPlan(String name, MixtureSampler other,
      String field) {
    MixtureSampler sampler = create(mixture(), PACKED);
    SampledRows.take(sampler, 5, ROWS);
    String state = sampler.saveState();
    String before = other.saveState();
    assertThatThrownBy(() -> other.restoreState(state)).isInstanceOf(DataException.class)
        .hasMessageStartingWith("sampler state belongs to another mixture, datasets, packing or plan: " + field);
    assertThat(other.saveState()).isEqualTo(before);
  }

  @Test
  void aStateOfOtherLimitsIsRefused() {
    Packing packing = PACKED;
    String state = create(mixture(), packing).saveState();
    MixtureSampler other = create(Mixture.of(Source.text("web"), 0.5)
        .and(Source.text("code"), 0.3, Limits.builder().subsetDocuments(11).epochs(2).build())
        .replay(Source.text("chat"), 0.2, CHAT_BUDGET)
        .at(1.0, 0.2, 0.3, 0.5).seed(17).metadataConditioning(0.4), packing);
    assertThatThrownBy(() -> other.restoreState(state)).isInstanceOf(DataException.class)
        .hasMessageContaining("identity.sources[1].limits is \"Limits[tokenBudget=0, subsetDocuments=10");
  }

  static Stream<Arguments> malformed() {
    String good = create(mixture(), PACKED).saveState();
    return Stream.of(
        Arguments.of("", "sampler state is empty"),
        Arguments.of("{\"format\": ", "not valid JSON"),
        Arguments.of("[1, 2]", "not a JSON object"),
        Arguments.of("{}", "not a sampler state"),
        Arguments.of(good.replace("\"version\":1", "\"version\":2"), "version 2 is not supported"),
        Arguments.of(good + " {}", "not valid JSON"),
        Arguments.of(good.replace("\"rows\":0,\"tokens\"", "\"rows\":-4,\"tokens\""), "sampler.rows = -4 is negative"),
        Arguments.of(good.replace("\"offset\":0", "\"offset\":99999"), "offset 99999 is outside"),
        Arguments.of(good.replace("\"documentsBegun\":0", "\"documentsBegun\":5000"), "document 5000 is outside"),
        Arguments.of(good.replace("\"state\":\"active\"", "\"state\":\"sleeping\""), "sources[0].state is 'sleeping'"),
        Arguments.of(good.replace("\"scheduledTokens\":0.0", "\"scheduledTokens\":\"x\""), "sources[0].scheduledTokens"),
        Arguments.of(good.replace("\"stopped\":false", "\"stopped\":0"), "the boolean sampler.stopped"),
        Arguments.of(good.replaceFirst(",\"sources\":\\[\\{\"pass\".*$", "}"), "one entry in 'sources' per source"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("malformed")
  void aMalformedStateIsRefusedAndLeavesTheSamplerAsItWas(String json, String message) {
    Packing packing = PACKED;
    MixtureSampler sampler = create(mixture(), packing);
    SampledRows.take(sampler, 3, ROWS);
    MixtureSampler twin = create(mixture(), packing);
    SampledRows.take(twin, 3, ROWS);
    assertThatThrownBy(() -> sampler.restoreState(json)).isInstanceOf(DataException.class)
        .hasMessageContaining(message);
    assertSameBatch(sampler.next(ROWS), twin.next(ROWS), "the batch after a refused state");
  }
}
