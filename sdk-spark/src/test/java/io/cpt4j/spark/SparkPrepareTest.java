package io.cpt4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.data.ShardOptions;
import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.data.internal.ShardStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkPrepareTest {
  @TempDir static Path corpus;
  @TempDir Path out;
  static Path tokenizer;

  @BeforeAll
  static void plantCorpus() throws IOException {
    Random r = new Random(7);
    List<String> all = new ArrayList<>();
    for (int f = 0; f < 5; f++) { // text files of blank-line blocks, one with CRLF, one with invalid UTF-8
      StringBuilder sb = new StringBuilder();
      for (int d = 0; d < 4 + f; d++) {
        String t = SparkFixtures.text(r, 5 + r.nextInt(40));
        all.add(t);
        sb.append(t).append(f == 1 ? "\r\n\r\n" : "\n\n");
      }
      byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
      if (f == 2) {
        bytes[3] = (byte) 0xC3;
        bytes[4] = (byte) 0x28; // an invalid two-byte sequence
      }
      Files.createDirectories(corpus.resolve("text/sub" + (f % 2)));
      Files.write(corpus.resolve("text/sub" + (f % 2) + "/part-" + f + ".txt"), bytes);
    }
    List<String> lines = new ArrayList<>();
    for (int d = 0; d < 60; d++) {
      lines.add(d % 17 == 0 ? "" : "Ünïcödé " + SparkFixtures.text(r, 1 + r.nextInt(80)));
    }
    all.addAll(lines);
    SparkFixtures.writeJsonl(corpus.resolve("jsonl/a.jsonl"), lines.subList(0, 25));
    try (GZIPOutputStream gz = new GZIPOutputStream(Files.newOutputStream(corpus.resolve("jsonl/b.jsonl.gz")))) {
      gz.write(String.join("\n", lines.subList(25, 60).stream().map(SparkFixtures::jsonLine).toList())
          .getBytes(StandardCharsets.UTF_8));
    }
    tokenizer = SparkFixtures.tokenizer(all, corpus.resolve("tokenizer.json"));
  }

  static List<Source> sources() {
    return List.of(Source.text(corpus.resolve("text") + "/**.txt").blankLineDocuments().replaceInvalidUtf8().named("t"),
        Source.jsonl(corpus.resolve("jsonl").toString(), "text").named("j"),
        Source.jsonl(corpus.resolve("jsonl").toString(), "text").split(0.3, 5).validation());
  }

  @Test
  void withoutStagesTheShardsHoldTheSingleMachineTokens() throws IOException {
    for (Source source : sources()) {
      Path spark = out.resolve(source.name().replace('/', '-') + "-spark");
      PrepareReport report = SparkPrepare.of(source).tokenizer(tokenizer).output(spark).partitions(3)
          .maxShardTokens(300).build().run(SparkFixtures.spark());
      try (var tok = io.cpt4j.tokenize.Tokenizer.open(tokenizer);
          TokenDataset single = TokenDataset.prepare(source, tok, out.resolve(source.name().replace('/', '-')),
              ShardOptions.builder().threads(2).maxShardTokens(300).build());
          TokenDataset distributed = TokenDataset.open(spark)) {
        assertThat(distributed.documentCount()).isEqualTo(single.documentCount()).isEqualTo(report.keptDocuments())
            .isPositive();
        assertThat(distributed.tokenCount()).isEqualTo(single.tokenCount()).isEqualTo(report.keptTokens());
        List<int[]> expected = SparkFixtures.tokens(single);
        List<int[]> actual = SparkFixtures.tokens(distributed);
        for (int i = 0; i < expected.size(); i++) {
          assertThat(actual.get(i)).as("document %d of %s", i, source).containsExactly(expected.get(i));
        }
        assertThat(distributed.sourceName()).isEqualTo(source.name());
        assertThat(distributed.ordered()).as("no In-Context stage: the sampler shuffles as before").isFalse();
      }
      ShardStore.verify(spark);
      assertThat(report.dropped()).isEmpty();
      assertThat(report.shards()).isGreaterThan(1);
    }
  }

  @Test
  void aParquetSourceGivesTheTokensOfTheSameDocumentsReadFromJsonl() throws IOException {
    Path jsonl = corpus.resolve("jsonl/a.jsonl");
    Path parquet = out.resolve("parquet");
    // one file, rows in the JSONL's order, plus a column the job must ignore
    SparkFixtures.spark().read().json(jsonl.toString()).coalesce(1)
        .withColumn("other", org.apache.spark.sql.functions.lit("x")).write().parquet(parquet.toString());
    Path spark = out.resolve("parquet-spark");
    PrepareReport report = SparkPrepare.parquet(parquet.toString(), "text").named("p").tokenizer(tokenizer)
        .output(spark).partitions(2).build().run(SparkFixtures.spark());
    try (var tok = io.cpt4j.tokenize.Tokenizer.open(tokenizer);
        TokenDataset single = TokenDataset.prepare(Source.jsonl(jsonl.toString(), "text").named("p"), tok,
            out.resolve("jsonl-single"), ShardOptions.builder().threads(2).build());
        TokenDataset distributed = TokenDataset.open(spark)) {
      assertThat(distributed.documentCount()).isEqualTo(single.documentCount()).isEqualTo(report.keptDocuments())
          .isPositive();
      List<int[]> expected = SparkFixtures.tokens(single);
      List<int[]> actual = SparkFixtures.tokens(distributed);
      for (int i = 0; i < expected.size(); i++) {
        assertThat(actual.get(i)).as("document %d", i).containsExactly(expected.get(i));
      }
    }
    ShardStore.verify(spark);
  }

  @Test
  void theSameInputGivesTheSameShardsAndTheSameTokensWhateverThePartitioning() throws IOException {
    Source source = sources().get(0);
    String[] runs = {"p1", "p4", "p4-again"};
    for (String run : runs) {
      PrepareReport r = SparkPrepare.of(source).tokenizer(tokenizer).output(out.resolve(run))
          .partitions(run.equals("p1") ? 1 : 4).normalize(true).build().run(SparkFixtures.spark());
      assertThat(r.invalidUtf8()).isEqualTo(1);
    }
    ObjectMapper json = new ObjectMapper();
    JsonNode four = json.readTree(out.resolve("p4/dataset.json").toFile());
    assertThat(json.readTree(out.resolve("p4-again/dataset.json").toFile()).get("shards")).isEqualTo(four.get("shards"));
    try (TokenDataset a = TokenDataset.open(out.resolve("p1")); TokenDataset b = TokenDataset.open(out.resolve("p4"))) {
      assertThat(a.fingerprint()).isEqualTo(b.fingerprint());
      List<int[]> expected = SparkFixtures.tokens(a);
      List<int[]> actual = SparkFixtures.tokens(b);
      assertThat(actual).hasSize(expected.size());
      for (int i = 0; i < expected.size(); i++) {
        assertThat(actual.get(i)).containsExactly(expected.get(i));
      }
    }
    JsonNode stats = json.readTree(out.resolve("p4/stats.json").toFile());
    assertThat(stats.get("invalid_utf8_replaced").asLong()).isEqualTo(1);
    assertThat(stats.get("kept").get("documents").asLong()).isEqualTo(four.get("documents").asLong());
  }
}
