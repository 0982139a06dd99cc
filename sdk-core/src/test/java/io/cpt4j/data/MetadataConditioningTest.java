package io.cpt4j.data;

import static io.cpt4j.data.InMemoryDataset.EOS;
import static io.cpt4j.data.InMemoryDataset.PAD;
import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.backend.Batch;
import io.cpt4j.data.SampledRows.Row;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MeCo: metadata prefixes before the conditioning fraction of planned tokens, never a target. */
class MetadataConditioningTest {
  private static final int L = 32;
  private static final double FRACTION = 0.3;
  private static final int BATCHES = 300;
  private static final int ROWS = 4;
  private static final Packing PACKED = Packing.builder().sequenceLength(L).eosId(EOS).padId(PAD).build();

  private static final InMemoryDataset WEB = InMemoryDataset.generated("web", 0, 40, 1, 60, 41)
      .withPrefixes(i -> i % 2 == 0 ? prefix(i) : new int[0]);
  private static final InMemoryDataset CODE = InMemoryDataset.generated("code", 1, 30, 1, 60, 42);

  private static int[] prefix(int doc) {
    return new int[] {InMemoryDataset.prefixToken(0, doc, 0), InMemoryDataset.prefixToken(0, doc, 1),
        InMemoryDataset.prefixToken(0, doc, 2)};
  }

  private static final Mixture MIXTURE = Mixture.of(Source.text("web"), 0.7).replay(Source.text("code"), 0.3)
      .metadataConditioning(FRACTION).seed(2);

  /** Progress before each row, from the tokens each row contributed. */
  private static double[] progressBefore(List<Row> rows, boolean packed, long planned) {
    double[] p = new double[rows.size()];
    boolean[] seen = new boolean[2];
    long tokens = 0;
    for (Row r : rows) {
      p[r.index()] = Math.min(1, (double) tokens / planned);
      if (packed) {
        tokens += L + (seen[r.source()] ? 0 : 1);
        seen[r.source()] = true;
      } else {
        tokens += r.windowTokens();
      }
    }
    return p;
  }

  @Test
  void packedDocumentsBegunBeforeTheFractionCarryTheirPrefixWithoutLossOnIt() {
    long planned = (long) BATCHES * ROWS * L;
    MixtureSampler sampler = MixtureSampler.create(MIXTURE, List.of(WEB, CODE), PACKED, planned);
    List<Batch> batches = SampledRows.take(sampler, BATCHES, ROWS);
    List<Row> rows = SampledRows.rows(batches);
    double[] progress = progressBefore(rows, true, planned);
    List<Row> web = SampledRows.of(rows, 0);
    int[] stream = SampledRows.inputs(web);
    int[] targets = SampledRows.targets(web);
    int prefixed = 0;
    int plainAfter = 0;
    for (int k = 0; k < stream.length; k++) {
      if (k > 0 && stream[k - 1] != EOS) {
        continue;
      }
      // A document's sequence begins at k; it was read into the row whose window first held token k.
      double p = progress[web.get(k == 0 ? 0 : (k - 1) / L).index()];
      boolean hasPrefix = InMemoryDataset.isPrefixToken(stream[k]);
      int doc = InMemoryDataset.documentOf(stream[hasPrefix ? Math.min(k + 3, stream.length - 1) : k]);
      if (hasPrefix) {
        prefixed++;
        doc = (stream[k] % 10_000) / 10;
        assertThat(p).as("progress where document %d began with a prefix", doc).isLessThan(FRACTION);
        assertThat(doc % 2).isZero();
        assertThat(Arrays.copyOfRange(stream, k, Math.min(k + 3, stream.length)))
            .isEqualTo(Arrays.copyOf(prefix(doc), Math.min(3, stream.length - k)));
        if (k + 3 < stream.length) {
          assertThat(stream[k + 3]).isEqualTo(WEB.documentTokens(doc)[0]);
          assertThat(targets[k + 2]).as("the first document token is predicted from the prefix").isEqualTo(stream[k + 3]);
        }
      } else if (stream[k] != EOS) {
        if (doc % 2 == 0) {
          assertThat(p).as("progress where even document %d began without a prefix", doc).isGreaterThanOrEqualTo(FRACTION);
          plainAfter++;
        }
      }
    }
    assertThat(prefixed).isGreaterThan(10);
    assertThat(plainAfter).isGreaterThan(10);
    for (int k = 0; k + 1 < stream.length; k++) {
      boolean ignored = stream[k] == EOS || InMemoryDataset.isPrefixToken(stream[k + 1]);
      assertThat(targets[k]).as("target at %d", k).isEqualTo(ignored ? Batch.IGNORE : stream[k + 1]);
    }
    for (Row r : web) { // a prefix belongs to its document: ids step only after EOS
      for (int t = 1; t < L; t++) {
        assertThat(r.documentIds()[t] - r.documentIds()[t - 1]).isEqualTo(r.inputs()[t - 1] == EOS ? 1 : 0);
      }
    }
    assertThat(sampler.stats().sources().get("web").tokens()).isEqualTo(stream.length + 1L);
    long ignored = batches.stream().flatMapToInt(b -> Arrays.stream(b.targets())).filter(t -> t == Batch.IGNORE).count();
    assertThat(sampler.stats().ignoredTargets()).isEqualTo(ignored);
  }

  @Test
  void unpackedRowsAreThePrefixTheDocumentAndEosWithLossOnlyOnTheDocument() {
    long planned = 20_000;
    MixtureSampler sampler = MixtureSampler.create(MIXTURE, List.of(WEB, CODE), Packing.unpacked(L, EOS, PAD), planned);
    List<Row> rows = SampledRows.rows(SampledRows.take(sampler, BATCHES, ROWS));
    double[] progress = progressBefore(rows, false, planned);
    int prefixed = 0;
    for (Row r : SampledRows.of(rows, 0)) {
      boolean hasPrefix = InMemoryDataset.isPrefixToken(r.inputs()[0]);
      int doc = hasPrefix ? (r.inputs()[0] % 10_000) / 10 : InMemoryDataset.documentOf(r.inputs()[0]);
      boolean expectPrefix = doc % 2 == 0 && progress[r.index()] < FRACTION;
      assertThat(hasPrefix).as("row %d, document %d at progress %s", r.index(), doc, progress[r.index()])
          .isEqualTo(expectPrefix);
      int[] p = hasPrefix ? prefix(doc) : new int[0];
      int[] d = WEB.documentTokens(doc);
      int[] seq = new int[p.length + d.length + 1];
      System.arraycopy(p, 0, seq, 0, p.length);
      System.arraycopy(d, 0, seq, p.length, d.length);
      seq[seq.length - 1] = EOS;
      int m = Math.min(seq.length, L + 1);
      for (int t = 0; t < L; t++) {
        int input = t < m ? seq[t] : PAD;
        int target = t + 1 < m && t + 1 >= p.length ? seq[t + 1] : Batch.IGNORE;
        assertThat(r.inputs()[t]).isEqualTo(input);
        assertThat(r.targets()[t]).as("row %d position %d", r.index(), t).isEqualTo(target);
      }
      prefixed += hasPrefix ? 1 : 0;
    }
    assertThat(prefixed).isGreaterThan(10);
    assertThat(progress[rows.size() - 1]).isGreaterThan(FRACTION + 0.2);
  }

  @Test
  void withoutConditioningNoPrefixIsRead() {
    MixtureSampler sampler = MixtureSampler.create(MIXTURE.metadataConditioning(0), List.of(WEB, CODE),
        PACKED, 1000);
    int[] stream = SampledRows.inputs(SampledRows.rows(SampledRows.take(sampler, 50, ROWS)));
    assertThat(Arrays.stream(stream).noneMatch(InMemoryDataset::isPrefixToken)).isTrue();
  }
}
