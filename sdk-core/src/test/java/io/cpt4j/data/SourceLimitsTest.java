package io.cpt4j.data;

import static io.cpt4j.data.InMemoryDataset.EOS;
import static io.cpt4j.data.InMemoryDataset.PAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.backend.Batch;
import io.cpt4j.data.SampledRows.Row;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Epochs, subsets, token budgets and what exhaustion does: RESTART, STOP, DROP. */
class SourceLimitsTest {
  private static final int L = 64;
  private static final Packing PACKED = Packing.builder().sequenceLength(L).eosId(EOS).padId(PAD).build();
  private static final Packing UNPACKED = Packing.unpacked(L, EOS, PAD); // documents fit a row: up to 40 tokens

  private final InMemoryDataset domain = InMemoryDataset.generated("domain", 0, 50, 1, 40, 21);
  private final InMemoryDataset general = InMemoryDataset.generated("general", 1, 80, 1, 40, 22);

  private static List<Row> drain(MixtureSampler sampler, int maxBatches, int rows) {
    return SampledRows.rows(SampledRows.take(sampler, maxBatches, rows));
  }

  private static List<Integer> documentOrder(List<Row> rows) {
    return rows.stream().map(r -> InMemoryDataset.documentOf(r.inputs()[0])).toList();
  }

  /** A packed source's whole stream: its rows' inputs plus the last row's final target. */
  private static int[] packedStream(List<Row> rows) {
    int[] inputs = SampledRows.inputs(rows);
    Row last = rows.getLast();
    int lastTarget = last.targets()[L - 1];
    if (last.realInputs() == L && lastTarget != Batch.IGNORE) {
      inputs = Arrays.copyOf(inputs, inputs.length + 1);
      inputs[inputs.length - 1] = lastTarget;
    } else if (last.realInputs() == L && last.inputs()[L - 1] == EOS) {
      inputs = Arrays.copyOf(inputs, inputs.length + 1); // the next document's first token ended the row
      inputs[inputs.length - 1] = -1;
    }
    return inputs;
  }

  @Test
  void aSubsetOfNDocumentsForEEpochsReadsExactlyThoseDocumentsEachEpochThenDrops() {
    Mixture mixture = Mixture.of(Source.text("domain"), 0.5, Limits.builder().subsetDocuments(10).epochs(3).build())
        .replay(Source.text("general"), 0.5).seed(4);
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(domain, general), UNPACKED, 1_000_000);
    List<Row> rows = drain(sampler, 100, 4);
    List<Integer> order = documentOrder(SampledRows.of(rows, 0));
    assertThat(order).hasSize(30);
    Set<Integer> subset = new HashSet<>(order.subList(0, 10));
    assertThat(subset).hasSize(10);
    for (int pass = 0; pass < 3; pass++) {
      assertThat(new HashSet<>(order.subList(10 * pass, 10 * pass + 10))).as("epoch %d", pass).isEqualTo(subset);
    }
    assertThat(order.subList(0, 10)).as("each epoch reshuffled").isNotEqualTo(order.subList(10, 20));
    int lastDomainRow = SampledRows.of(rows, 0).getLast().index();
    assertThat(rows.subList(lastDomainRow + 1, rows.size())).allMatch(r -> r.source() == 1).hasSizeGreaterThan(100);
    assertThat(sampler.hasNext()).isTrue();
    SamplerStats.SourceStats stats = sampler.stats().sources().get("domain");
    assertThat(stats.state()).isEqualTo("dropped");
    assertThat(stats.epochsCompleted()).isEqualTo(3);
    assertThat(stats.documentsStarted()).isEqualTo(30);
    assertThat(stats.tokens()).isEqualTo(3 * subset.stream().mapToLong(d -> domain.documentLength(d) + 1).sum());
    assertThat(sampler.stats().events().stream().filter(e -> e.contains("'domain'"))).containsExactly(
        "row " + SampledRows.of(rows, 0).get(9).index() + ": source 'domain' completed epoch 1 of 3: next pass, reshuffled",
        "row " + SampledRows.of(rows, 0).get(19).index() + ": source 'domain' completed epoch 2 of 3: next pass, reshuffled",
        "row " + lastDomainRow + ": source 'domain' exhausted after 3 epochs: dropped");
  }

  @Test
  void packedSubsetEpochsAreExactlyTheSubsetDocumentsWithEosThreeTimes() {
    Mixture mixture = Mixture.of(Source.text("domain"), 0.3, Limits.builder().subsetDocuments(10).epochs(3).build())
        .replay(Source.text("general"), 0.7).seed(8);
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(domain, general), PACKED, 1_000_000);
    List<Row> mine = SampledRows.of(drain(sampler, 100, 4), 0);
    int[] stream = packedStream(mine);
    List<int[]> docs = SampledRows.documents(stream);
    assertThat(docs).hasSize(30);
    assertThat(stream[stream.length - 1]).isEqualTo(EOS);
    Set<Integer> subset = new HashSet<>();
    for (int k = 0; k < 30; k++) {
      int id = InMemoryDataset.documentOf(docs.get(k)[0]);
      assertThat(docs.get(k)).isEqualTo(domain.documentTokens(id));
      subset.add(id);
    }
    assertThat(subset).hasSize(10);
    assertThat(sampler.stats().sources().get("domain").tokens()).isEqualTo(stream.length);
    assertThat(sampler.stats().paddingPositions()).isEqualTo((long) mine.size() * L - SampledRows.inputs(mine).length)
        .isPositive();
  }

  @Test
  void theSubsetDependsOnTheSeed() {
    Set<Set<Integer>> subsets = new HashSet<>();
    for (long seed = 0; seed < 3; seed++) {
      Mixture mixture = Mixture.of(Source.text("domain"), 1, Limits.builder().subsetDocuments(10).build()).seed(seed);
      MixtureSampler sampler = MixtureSampler.create(mixture, List.of(domain), UNPACKED, 1_000_000);
      subsets.add(new HashSet<>(documentOrder(drain(sampler, 10, 1))));
    }
    assertThat(subsets).hasSize(3).allMatch(s -> s.size() == 10);
  }

  @Test
  void restartRepeatsTheSourcePassAfterPassReshuffled() {
    InMemoryDataset small = InMemoryDataset.generated("domain", 0, 7, 1, 40, 23);
    Mixture mixture = Mixture.of(Source.text("domain"), 0.5).replay(Source.text("general"), 0.5);
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(small, general), UNPACKED, 1_000_000);
    List<Integer> order = documentOrder(SampledRows.of(drain(sampler, 50, 4), 0));
    int passes = order.size() / 7;
    assertThat(passes).isGreaterThan(12);
    Set<List<Integer>> passOrders = new HashSet<>();
    for (int pass = 0; pass < passes; pass++) {
      List<Integer> p = order.subList(7 * pass, 7 * pass + 7);
      assertThat(new HashSet<>(p)).as("pass %d", pass).hasSize(7);
      passOrders.add(p);
    }
    assertThat(passOrders).hasSizeGreaterThan(10);
    assertThat(sampler.hasNext()).isTrue();
    assertThat(sampler.stats().sources().get("domain").epochsCompleted()).isEqualTo(passes);
    assertThat(sampler.stats().sources().get("domain").state()).isEqualTo("active");
    assertThat(sampler.stats().events().stream().filter(e -> e.contains("'domain'"))).hasSize(passes)
        .last().asString().endsWith("source 'domain' completed pass " + passes + ": restarting, reshuffled");
  }

  @Test
  void aTokenBudgetCapsTheSourceExactlyThenDropsIt() {
    Mixture mixture = Mixture.of(Source.text("domain"), 0.5, Limits.builder().tokenBudget(1000).build())
        .replay(Source.text("general"), 0.5);
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(domain, general), PACKED, 1_000_000);
    List<Row> rows = drain(sampler, 60, 4);
    List<Row> mine = SampledRows.of(rows, 0);
    assertThat(SampledRows.inputs(mine)).hasSize(1000); // budget cut mid-row: the last token is only an input
    assertThat(mine.getLast().realInputs()).isLessThan(L);
    assertThat(mine.getLast().targets()[mine.getLast().realInputs() - 1]).isEqualTo(Batch.IGNORE);
    assertThat(sampler.stats().sources().get("domain").tokens()).isEqualTo(1000);
    assertThat(sampler.stats().sources().get("domain").state()).isEqualTo("dropped");
    assertThat(sampler.stats().paddingPositions()).isEqualTo(L - mine.getLast().realInputs());
    assertThat(sampler.stats().events().stream().filter(e -> e.contains("'domain'")))
        .containsExactly("row " + mine.getLast().index() + ": source 'domain' exhausted at its token budget of 1000: dropped");
    assertThat(rows.subList(mine.getLast().index() + 1, rows.size())).allMatch(r -> r.source() == 1);
  }

  @Test
  void droppingASourceRenormalisesTheOthersWeights() {
    Mixture mixture = Mixture.of(Source.text("domain"), 0.5, Limits.builder().epochs(1000).tokenBudget(45_000).build())
        .and(Source.text("general"), 0.3).replay(Source.text("chat"), 0.2);
    InMemoryDataset chat = InMemoryDataset.generated("chat", 2, 30, 100, 500, 24);
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(domain, general, chat), PACKED, 1_000_000);
    List<Row> rows = drain(sampler, 900, 4);
    int dropRow = SampledRows.of(rows, 0).getLast().index();
    int firstBatchAfter = dropRow / 4 + 1;
    assertThat(firstBatchAfter).isBetween(300, 400);
    double[] before = {0.5, 0.3, 0.2};
    double[] after = {0, 0.6, 0.4};
    for (int window : new int[] {100, 200}) {
      for (int start = 0; start + window < firstBatchAfter; start++) {
        assertShares(rows, start, window, before);
      }
      for (int start = firstBatchAfter; start + window <= 900; start++) {
        assertShares(rows, start, window, after);
      }
    }
  }

  private static void assertShares(List<Row> rows, int startBatch, int batches, double[] weights) {
    double[] tokens = new double[3];
    for (Row r : rows.subList(startBatch * 4, (startBatch + batches) * 4)) {
      tokens[r.source()] += r.realInputs();
    }
    double total = Arrays.stream(tokens).sum();
    for (int s = 0; s < 3; s++) {
      assertThat(tokens[s] / total).as("share of %d in batches %d+%d", s, startBatch, batches)
          .isCloseTo(weights[s], org.assertj.core.data.Offset.offset(0.01));
    }
  }

  @Test
  void stopEndsTheMixtureAndPadsTheRestOfItsBatch() {
    Limits twoPasses = Limits.builder().subsetDocuments(5).epochs(2).onExhausted(Limits.Exhaustion.STOP).build();
    Mixture mixture = Mixture.of(Source.text("domain"), 0.5, twoPasses)
        .replay(Source.text("general"), 0.5);
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(domain, general), UNPACKED, 1_000_000);
    List<Batch> batches = new ArrayList<>();
    while (sampler.hasNext()) {
      batches.add(sampler.next(8));
    }
    List<Row> rows = SampledRows.rows(batches);
    List<Integer> order = documentOrder(SampledRows.of(rows, 0));
    assertThat(order).hasSize(10);
    assertThat(new HashSet<>(order.subList(0, 5))).isEqualTo(new HashSet<>(order.subList(5, 10)));
    int stopRow = SampledRows.of(rows, 0).getLast().index();
    assertThat(rows.subList(stopRow + 1, rows.size())).hasSize(8 - 1 - stopRow % 8)
        .allMatch(r -> r.source() == -1 && Arrays.stream(r.targets()).allMatch(t -> t == Batch.IGNORE)
            && Arrays.stream(r.inputs()).allMatch(t -> t == PAD));
    assertThatThrownBy(() -> sampler.next(8)).isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("stopping the mixture");
    assertThat(sampler.stats().sources().get("domain").state()).isEqualTo("exhausted");
    assertThat(sampler.stats().sources().get("general").state()).isEqualTo("active");
    assertThat(sampler.stats().events().getLast())
        .isEqualTo("row " + stopRow + ": source 'domain' exhausted after 2 epochs: stopping the mixture");
    assertThat(sampler.stats().rows()).isEqualTo(rows.size());
  }

  @Test
  void epochsOverAllDocumentsReadEachDocumentThatOftenThenStop() {
    Limits twice = Limits.builder().epochs(2).onExhausted(Limits.Exhaustion.STOP).build();
    MixtureSampler sampler = MixtureSampler.create(Mixture.of(Source.text("domain"), 1, twice), List.of(domain),
        PACKED, 1_000_000);
    List<Batch> batches = new ArrayList<>();
    while (sampler.hasNext()) {
      batches.add(sampler.next(3));
    }
    List<int[]> docs = SampledRows.documents(packedStream(SampledRows.rows(batches).stream()
        .filter(r -> r.source() == 0).toList()));
    assertThat(docs).hasSize(100);
    for (int pass = 0; pass < 2; pass++) {
      assertThat(docs.subList(50 * pass, 50 * pass + 50).stream().map(d -> InMemoryDataset.documentOf(d[0])))
          .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 50).boxed().toList());
    }
    assertThat(sampler.stats().sources().get("domain").epochsCompleted()).isEqualTo(2);
    assertThat(sampler.tokensProduced()).isEqualTo(2 * (domain.tokenCount() + 50));
  }

  @Test
  void whenEverySourceIsDroppedTheMixtureEnds() {
    Mixture mixture = Mixture.of(Source.text("domain"), 0.5, Limits.builder().tokenBudget(500).build())
        .replay(Source.text("general"), 0.5,
            Limits.builder().subsetDocuments(3).onExhausted(Limits.Exhaustion.DROP).build());
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(domain, general), PACKED, 1_000_000);
    int batches = 0;
    while (sampler.hasNext()) {
      sampler.next(2);
      batches++;
    }
    assertThat(batches).isLessThan(20);
    assertThat(sampler.stats().sources().values()).allMatch(s -> s.state().equals("dropped"));
    assertThat(sampler.stats().events().getLast()).endsWith("every source was dropped: stopping");
    assertThatThrownBy(() -> sampler.next(1)).isInstanceOf(NoSuchElementException.class);
  }

  @Test
  void whenOnlySourcesOfWeightZeroRemainTheMixtureEnds() {
    Mixture mixture = Mixture.of(Source.text("domain"), 1, Limits.builder().tokenBudget(500).build())
        .replay(Source.text("general"), 0);
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(domain, general), PACKED, 1_000_000);
    List<Row> rows = drain(sampler, 100, 1);
    assertThat(sampler.hasNext()).isFalse();
    assertThat(rows).allMatch(r -> r.source() == 0);
    assertThat(sampler.stats().events().getLast()).contains("no remaining source has weight at progress");
  }
}
