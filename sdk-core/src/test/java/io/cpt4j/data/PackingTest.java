package io.cpt4j.data;

import static io.cpt4j.data.InMemoryDataset.EOS;
import static io.cpt4j.data.InMemoryDataset.PAD;
import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.backend.Batch;
import io.cpt4j.data.SampledRows.Row;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PackingTest {
  private static final int L = 16;
  private static final int DOCS = 23;
  private static final Packing PACKED = Packing.builder().sequenceLength(L).eosId(EOS).padId(PAD).build();

  private final InMemoryDataset a = InMemoryDataset.generated("a", 0, DOCS, 1, 40, 1);
  private final InMemoryDataset b = InMemoryDataset.generated("b", 1, DOCS, 1, 40, 2);
  private final Mixture mixture = Mixture.of(Source.text("a"), 0.5).and(Source.text("b"), 0.5).seed(3);

  private List<Row> packedRows(int batches) {
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(a, b), PACKED, 1_000_000);
    return SampledRows.rows(SampledRows.take(sampler, batches, 4));
  }

  @Test
  void packedRowsReproduceEachSourcesDocumentsWithEosInPassOrder() {
    List<Row> rows = packedRows(150);
    for (int s = 0; s < 2; s++) {
      InMemoryDataset ds = s == 0 ? a : b;
      List<int[]> docs = SampledRows.documents(SampledRows.inputs(SampledRows.of(rows, s)));
      assertThat(docs.size()).as("complete passes of source %d", s).isGreaterThanOrEqualTo(3 * DOCS);
      for (int pass = 0; pass + 1 < docs.size() / DOCS; pass++) {
        Set<Integer> seen = new HashSet<>();
        for (int k = pass * DOCS; k < (pass + 1) * DOCS; k++) {
          int[] doc = docs.get(k);
          int id = InMemoryDataset.documentOf(doc[0]);
          assertThat(doc).as("document %d of pass %d", id, pass).isEqualTo(ds.documentTokens(id));
          seen.add(id);
        }
        assertThat(seen).as("pass %d of source %d", pass, s).hasSize(DOCS);
      }
    }
  }

  @Test
  void everyTokenAfterTheFirstIsATargetOnceAndOnlyDocumentStartsAreIgnored() {
    List<Row> rows = packedRows(100);
    for (int s = 0; s < 2; s++) {
      List<Row> mine = SampledRows.of(rows, s);
      int[] stream = SampledRows.inputs(mine);
      int[] targets = SampledRows.targets(mine);
      assertThat(stream).hasSize(mine.size() * L); // full rows, no padding
      for (int k = 0; k + 1 < stream.length; k++) {
        if (stream[k] == EOS) {
          assertThat(targets[k]).as("target after EOS at %d", k).isEqualTo(Batch.IGNORE);
        } else {
          assertThat(targets[k]).as("target at %d", k).isEqualTo(stream[k + 1]);
        }
      }
      for (Row r : mine) {
        for (int t = 0; t < L; t++) {
          assertThat(r.weights()[t]).isEqualTo(r.targets()[t] == Batch.IGNORE ? 0f : 1f);
        }
      }
      // The last target of each row is the first input of the source's next row.
      for (int i = 0; i + 1 < mine.size(); i++) {
        int last = mine.get(i).targets()[L - 1];
        if (last != Batch.IGNORE) {
          assertThat(mine.get(i + 1).inputs()[0]).isEqualTo(last);
        } else {
          assertThat(mine.get(i).inputs()[L - 1]).isEqualTo(EOS);
        }
      }
    }
  }

  @Test
  void documentIdsStepExactlyWhereADocumentBeginsAndPositionsRestart() {
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(a, b), PACKED, 1_000_000);
    for (int n = 0; n < 50; n++) {
      Batch batch = sampler.next(4);
      for (int i = 0; i < batch.inputIds().length; i++) {
        int t = i % L;
        if (t == 0) {
          assertThat(batch.documentIds()[i]).isZero();
          assertThat(batch.position(i)).isZero();
        } else {
          boolean begins = batch.inputIds()[i - 1] == EOS;
          assertThat(batch.documentIds()[i]).isEqualTo(batch.documentIds()[i - 1] + (begins ? 1 : 0));
          assertThat(batch.position(i)).isEqualTo(begins ? 0 : batch.position(i - 1) + 1);
        }
      }
    }
  }

  @Test
  void aSourcesFirstRowContributesSequenceLengthPlusOneTokensAndLaterRowsSequenceLength() {
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(a, b), PACKED, 1_000_000);
    SampledRows.take(sampler, 10, 4);
    SamplerStats stats = sampler.stats();
    for (SamplerStats.SourceStats s : stats.sources().values()) {
      assertThat(s.tokens()).isEqualTo(s.rows() * L + 1);
    }
    assertThat(sampler.tokensProduced()).isEqualTo(40L * L + 2);
    assertThat(stats.rows()).isEqualTo(40);
    assertThat(stats.positions()).isEqualTo(40L * L);
    assertThat(stats.paddingPositions()).isZero();
    assertThat(stats.truncatedTokens()).isZero();
  }

  @Test
  void ignoredTargetsOfPackedRowsAreTheDocumentBoundaries() {
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(a, b), PACKED, 1_000_000);
    List<Batch> batches = SampledRows.take(sampler, 30, 4);
    long ignored = batches.stream().flatMapToInt(x -> Arrays.stream(x.targets())).filter(t -> t == Batch.IGNORE).count();
    assertThat(sampler.stats().ignoredTargets()).isEqualTo(ignored).isPositive();
    assertThat(sampler.stats().wasteFraction()).isEqualTo((double) ignored / (120 * L));
  }

  @Test
  void unpackedRowsHoldOneDocumentTruncatedOrPaddedWithCountedWaste() {
    MixtureSampler sampler = MixtureSampler.create(mixture, List.of(a, b), Packing.unpacked(L, EOS, PAD), 1_000_000);
    List<Row> rows = SampledRows.rows(SampledRows.take(sampler, 40, 4));
    long padding = 0;
    long truncated = 0;
    long ignored = 0;
    long tokens = 0;
    List<List<Integer>> order = List.of(new ArrayList<>(), new ArrayList<>());
    for (Row r : rows) {
      InMemoryDataset ds = r.source() == 0 ? a : b;
      int id = InMemoryDataset.documentOf(r.inputs()[0]);
      order.get(r.source()).add(id);
      int[] doc = ds.documentTokens(id);
      int[] seq = Arrays.copyOf(doc, doc.length + 1);
      seq[doc.length] = EOS;
      int m = Math.min(seq.length, L + 1);
      truncated += Math.max(0, doc.length - (L + 1));
      tokens += m;
      for (int t = 0; t < L; t++) {
        assertThat(r.documentIds()[t]).isZero();
        if (t < m) {
          assertThat(r.inputs()[t]).isEqualTo(seq[t]);
          assertThat(r.targets()[t]).isEqualTo(t + 1 < m ? seq[t + 1] : Batch.IGNORE);
        } else {
          assertThat(r.inputs()[t]).isEqualTo(PAD);
          assertThat(r.targets()[t]).isEqualTo(Batch.IGNORE);
          padding++;
        }
        ignored += r.targets()[t] == Batch.IGNORE ? 1 : 0;
        assertThat(r.weights()[t]).isEqualTo(r.targets()[t] == Batch.IGNORE ? 0f : 1f);
      }
    }
    for (List<Integer> o : order) { // each pass reads every document once
      for (int pass = 0; (pass + 1) * DOCS <= o.size(); pass++) {
        assertThat(new HashSet<>(o.subList(pass * DOCS, (pass + 1) * DOCS))).hasSize(DOCS);
      }
    }
    SamplerStats stats = sampler.stats();
    assertThat(padding).isPositive();
    assertThat(truncated).isPositive();
    assertThat(stats.paddingPositions()).isEqualTo(padding);
    assertThat(stats.truncatedTokens()).isEqualTo(truncated);
    assertThat(stats.ignoredTargets()).isEqualTo(ignored);
    assertThat(sampler.tokensProduced()).isEqualTo(tokens);
    assertThat(stats.paddingFraction()).isEqualTo((double) padding / (160 * L));
    assertThat(stats.wasteFraction()).isEqualTo((double) ignored / (160 * L));
    assertThat(stats.sources().values().stream().mapToLong(SamplerStats.SourceStats::documentsStarted).sum())
        .isEqualTo(160);
  }

  @Test
  void aDocumentOfExactlySequenceLengthPlusOneTokensLosesOnlyItsEos() {
    int[][] docs = {IntStream.range(0, L + 1).map(j -> InMemoryDataset.token(0, 0, j)).toArray()};
    InMemoryDataset one = new InMemoryDataset("one", docs, null);
    MixtureSampler sampler = MixtureSampler.create(Mixture.of(Source.text("one"), 1), List.of(one),
        Packing.unpacked(L, EOS, PAD), 1000);
    Batch batch = sampler.next(1);
    assertThat(batch.inputIds()).isEqualTo(Arrays.copyOf(docs[0], L));
    assertThat(batch.targets()).isEqualTo(Arrays.copyOfRange(docs[0], 1, L + 1));
    assertThat(sampler.stats().truncatedTokens()).isZero();
    assertThat(sampler.stats().paddingPositions()).isZero();
    assertThat(sampler.tokensProduced()).isEqualTo(L + 1);
  }
}
