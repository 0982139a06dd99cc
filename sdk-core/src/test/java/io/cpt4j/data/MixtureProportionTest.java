package io.cpt4j.data;

import static io.cpt4j.data.InMemoryDataset.EOS;
import static io.cpt4j.data.InMemoryDataset.PAD;
import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.data.SampledRows.Row;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Realised token shares against the scheduled weights, over every window of 100 or more batches. */
class MixtureProportionTest {
  private static final int L = 64;
  private static final Packing PACKED = Packing.builder().sequenceLength(L).eosId(EOS).padId(PAD).build();
  private static final int[] WINDOWS = {100, 101, 150, 333, 1000};

  // Uneven sources: mid-length, long (often longer than a row), and short documents.
  private static final List<TokenDataset> DATASETS = List.of(
      InMemoryDataset.generated("web", 0, 60, 5, 300, 11),
      InMemoryDataset.generated("books", 1, 40, 50, 900, 12),
      InMemoryDataset.generated("chat", 2, 90, 1, 30, 13));

  /** Tokens each row contributed (recounted from the batch) and the source it came from. */
  private record Produced(int[] source, long[] tokens, int rowsPerBatch) {
    static Produced of(List<Row> rows, boolean packed, int rowsPerBatch) {
      int[] source = new int[rows.size()];
      long[] tokens = new long[rows.size()];
      boolean[] seen = new boolean[3];
      for (Row r : rows) {
        source[r.index()] = r.source();
        if (packed) {
          tokens[r.index()] = L + (seen[r.source()] ? 0 : 1);
          seen[r.source()] = true;
        } else {
          tokens[r.index()] = r.windowTokens();
        }
      }
      return new Produced(source, tokens, rowsPerBatch);
    }

    int batches() {
      return source.length / rowsPerBatch;
    }

    long[] perSource() {
      long[] sum = new long[3];
      for (int i = 0; i < source.length; i++) {
        sum[source[i]] += tokens[i];
      }
      return sum;
    }
  }

  private static Mixture threeWay(double w0, double w1, double w2) {
    return Mixture.of(Source.text("web"), w0).and(Source.text("books"), w1).replay(Source.text("chat"), w2).seed(5);
  }

  /** Largest |realised share − expected share| over all windows; expected is a per-row weight. */
  private static double worstWindowError(Produced p, double[][] expectedPerRow) {
    double worst = 0;
    for (int window : WINDOWS) {
      for (int start = 0; start + window <= p.batches(); start++) {
        double total = 0;
        double[] realised = new double[3];
        double[] expected = new double[3];
        for (int i = start * p.rowsPerBatch(); i < (start + window) * p.rowsPerBatch(); i++) {
          total += p.tokens()[i];
          realised[p.source()[i]] += p.tokens()[i];
          for (int s = 0; s < 3; s++) {
            expected[s] += p.tokens()[i] * expectedPerRow[i][s];
          }
        }
        for (int s = 0; s < 3; s++) {
          worst = Math.max(worst, Math.abs((realised[s] - expected[s]) / total));
        }
      }
    }
    return worst;
  }

  private static double[][] constant(double[] w, int rows) {
    double[][] e = new double[rows][];
    Arrays.fill(e, w);
    return e;
  }

  @ParameterizedTest(name = "weights {0}/{1}/{2}")
  @CsvSource({"0.5,0.3,0.2", "0.9,0.05,0.05", "1,1,1", "0.6,0.4,0", "0.02,0.49,0.49"})
  void packedSharesStayWithinOnePercentOfTheWeightsOverEveryWindow(double w0, double w1, double w2) {
    Mixture mixture = threeWay(w0, w1, w2);
    MixtureSampler sampler = MixtureSampler.create(mixture, DATASETS, PACKED, 10_000_000);
    Produced p = Produced.of(SampledRows.rows(SampledRows.take(sampler, 1200, 4)), true, 4);
    double worst = worstWindowError(p, constant(mixture.weightsAt(0), p.source().length));
    System.out.printf("packed %s/%s/%s: worst window error %.5f%n", w0, w1, w2, worst);
    assertThat(worst).isLessThan(0.01);
    assertRealisedCountsInStats(sampler, p);
    if (w2 == 0) {
      assertThat(sampler.stats().sources().get("chat").rows()).isZero();
    }
  }

  @ParameterizedTest(name = "weights {0}/{1}/{2}")
  @CsvSource({"0.5,0.3,0.2", "0.9,0.05,0.05", "1,1,1"})
  void unpackedRowsOfVaryingLengthKeepTheSharesWithinOnePercent(double w0, double w1, double w2) {
    Mixture mixture = threeWay(w0, w1, w2);
    MixtureSampler sampler = MixtureSampler.create(mixture, DATASETS, Packing.unpacked(L, EOS, PAD), 10_000_000);
    Produced p = Produced.of(SampledRows.rows(SampledRows.take(sampler, 1200, 8)), false, 8);
    long shortest = Arrays.stream(p.tokens()).min().orElseThrow();
    assertThat(shortest).as("rows of varying real length").isLessThan(L / 4);
    double worst = worstWindowError(p, constant(mixture.weightsAt(0), p.source().length));
    System.out.printf("unpacked %s/%s/%s: worst window error %.5f%n", w0, w1, w2, worst);
    assertThat(worst).isLessThan(0.01);
    assertRealisedCountsInStats(sampler, p);
  }

  @ParameterizedTest(name = "packed {0}")
  @ValueSource(booleans = {true, false})
  void aScheduleFrom5050To955IsTrackedWindowByWindow(boolean packed) {
    Mixture mixture = Mixture.of(Source.text("web"), 0.5).replay(Source.text("books"), 0.5).at(1.0, 0.95, 0.05)
        .seed(9);
    int rowsPerBatch = packed ? 4 : 8;
    int batches = 1200;
    long planned = packed ? (long) batches * rowsPerBatch * L : 400_000; // unpacked rows are shorter
    MixtureSampler sampler = MixtureSampler.create(mixture, DATASETS.subList(0, 2),
        packed ? PACKED : Packing.unpacked(L, EOS, PAD), planned);
    Produced p = Produced.of(SampledRows.rows(SampledRows.take(sampler, batches, rowsPerBatch)), packed,
        rowsPerBatch);
    double[][] expected = new double[p.source().length][];
    long produced = 0;
    for (int i = 0; i < expected.length; i++) {
      double[] w = mixture.weightsAt(Math.min(1.0, (double) produced / planned));
      expected[i] = new double[] {w[0], w[1], 0};
      produced += p.tokens()[i];
    }
    assertThat(produced).isEqualTo(sampler.tokensProduced());
    assertThat(sampler.progress()).isGreaterThan(0.9);
    double worst = worstWindowError(p, expected);
    System.out.printf("schedule, packed %s: worst window error %.5f%n", packed, worst);
    assertThat(worst).isLessThan(0.01);
    // The last 100 batches are close to 95/5, the first 100 to 50/50.
    long[] first = new long[2];
    long[] last = new long[2];
    for (int i = 0; i < 100 * rowsPerBatch; i++) {
      first[p.source()[i]] += p.tokens()[i];
      int j = p.source().length - 1 - i;
      last[p.source()[j]] += p.tokens()[j];
    }
    assertThat((double) first[0] / (first[0] + first[1])).isBetween(0.5, 0.56);
    assertThat((double) last[0] / (last[0] + last[1])).isBetween(0.92, 0.96);
  }

  private static void assertRealisedCountsInStats(MixtureSampler sampler, Produced p) {
    SamplerStats stats = sampler.stats();
    long[] perSource = p.perSource();
    assertThat(stats.sources().keySet()).containsExactly("web", "books", "chat");
    int s = 0;
    for (SamplerStats.SourceStats source : stats.sources().values()) {
      int index = s;
      assertThat(source.tokens()).as("tokens of source %d", s).isEqualTo(perSource[s]);
      assertThat(source.rows()).as("rows of source %d", s)
          .isEqualTo(Arrays.stream(p.source()).filter(x -> x == index).count());
      assertThat(source.state()).isEqualTo("active");
      s++;
    }
    assertThat(stats.rows()).isEqualTo(p.source().length);
    assertThat(sampler.tokensProduced()).isEqualTo(Arrays.stream(perSource).sum());
  }
}
