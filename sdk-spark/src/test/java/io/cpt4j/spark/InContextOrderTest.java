package io.cpt4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Planted clusters of related documents: the In-Context order writes each cluster contiguously, each document once. */
class InContextOrderTest {
  private static final int CLUSTERS = 4;
  private static final int PER_CLUSTER = 5;
  private static final int LONERS = 3;

  @TempDir static Path dir;
  static Path tokenizer;
  static Path corpus;
  static List<String> docs = new ArrayList<>();

  @BeforeAll
  static void plant() throws IOException {
    Random r = new Random(5);
    List<String> bases = new ArrayList<>();
    for (int c = 0; c < CLUSTERS; c++) {
      bases.add(SparkFixtures.text(r, 60));
    }
    // document i belongs to cluster i % CLUSTERS, so the clusters are interleaved in the input
    for (int i = 0; i < CLUSTERS * PER_CLUSTER; i++) {
      docs.add(StagesTest.edit(bases.get(i % CLUSTERS), 3, r)); // a third of the words replaced: Jaccard ~0.4
    }
    for (int i = 0; i < LONERS; i++) {
      docs.add(SparkFixtures.text(r, 60)); // related to nothing
    }
    corpus = dir.resolve("corpus/docs.jsonl");
    SparkFixtures.writeJsonl(corpus, docs);
    tokenizer = SparkFixtures.tokenizer(docs, dir.resolve("tokenizer.json"));
  }

  @Test
  void eachPlantedClusterIsWrittenContiguouslyAndEveryDocumentExactlyOnce() throws IOException {
    Path out = run("p3", 3);
    List<Integer> order = documentsInOrder(out);
    assertThat(order).hasSize(docs.size()).doesNotHaveDuplicates();
    for (int c = 0; c < CLUSTERS; c++) {
      int cluster = c;
      List<Integer> positions = new ArrayList<>();
      for (int k = 0; k < order.size(); k++) {
        if (order.get(k) < CLUSTERS * PER_CLUSTER && order.get(k) % CLUSTERS == cluster) {
          positions.add(k);
        }
      }
      assertThat(positions).as("cluster %d", c).hasSize(PER_CLUSTER);
      assertThat(positions.getLast() - positions.getFirst()).as("cluster %d at %s", c, positions)
          .isEqualTo(PER_CLUSTER - 1);
    }
    try (TokenDataset d = TokenDataset.open(out)) {
      assertThat(d.ordered()).isTrue();
    }
    JsonNode stats = new ObjectMapper().readTree(out.resolve("stats.json").toFile());
    assertThat(stats.at("/in_context_order/documents").asLong()).isEqualTo(docs.size());
    assertThat(stats.at("/in_context_order/jumps").asLong()).isEqualTo(CLUSTERS + LONERS - 1);
    assertThat(stats.at("/in_context_order/mean_similarity").asDouble()).isBetween(0.2, 0.8);
    assertThat(stats.at("/stages/in_context_order/neighbours").asInt()).isEqualTo(PER_CLUSTER - 1);
  }

  @Test
  void theOrderDoesNotDependOnThePartitioning() throws IOException {
    assertThat(documentsInOrder(run("p1", 1))).isEqualTo(documentsInOrder(run("p4", 4)));
  }

  @Test
  void theCommandLineEngineWritesTheSameOrder() throws IOException {
    Path out = dir.resolve("engine");
    SparkFixtures.spark(); // the engine takes the test's session (no master given)
    List<String> stats = new io.cpt4j.spark.internal.SparkPrepareEngine().prepare(new io.cpt4j.spi.PrepareEngine.Request(
        tokenizer, List.of(new io.cpt4j.spi.PrepareEngine.Target(Source.jsonl(corpus.toString(), "text"), out)), null,
        false, false, 0, false, PER_CLUSTER - 1));
    assertThat(stats).hasSize(1);
    assertThat(new ObjectMapper().readTree(stats.getFirst()).has("in_context_order")).isTrue();
    try (TokenDataset d = TokenDataset.open(out)) {
      assertThat(d.ordered()).isTrue();
    }
    assertThat(documentsInOrder(out)).isEqualTo(documentsInOrder(run("p3-again", 3)));
  }

  private static Path run(String name, int partitions) {
    Path out = dir.resolve(name);
    SparkPrepare.of(Source.jsonl(corpus.toString(), "text")).tokenizer(tokenizer).output(out)
        .inContextOrder(InContextOrder.minHash(PER_CLUSTER - 1)).partitions(partitions)
        .build().run(SparkFixtures.spark());
    return out;
  }

  /** The input index of each written document, in written order. */
  private static List<Integer> documentsInOrder(Path out) {
    try (Tokenizer tok = Tokenizer.open(tokenizer); TokenDataset d = TokenDataset.open(out)) {
      Map<List<Integer>, Integer> index = new HashMap<>();
      List<int[]> encoded = tok.encodeBatch(docs);
      for (int i = 0; i < encoded.size(); i++) {
        index.put(java.util.Arrays.stream(encoded.get(i)).boxed().toList(), i);
      }
      List<Integer> order = new ArrayList<>();
      for (int[] t : SparkFixtures.tokens(d)) {
        order.add(index.get(java.util.Arrays.stream(t).boxed().toList()));
      }
      return order;
    }
  }
}
