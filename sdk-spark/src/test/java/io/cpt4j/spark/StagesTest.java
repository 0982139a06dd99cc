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
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Planted duplicates and bad documents: each stage drops exactly those, and stats.json says why. */
class StagesTest {
  @TempDir static Path dir;
  static Path tokenizer;
  static List<String> originals = new ArrayList<>();

  @BeforeAll
  static void train() {
    Random r = new Random(3);
    for (int i = 0; i < 30; i++) {
      originals.add(SparkFixtures.text(r, 80));
    }
    tokenizer = SparkFixtures.tokenizer(originals, dir.resolve("tokenizer.json"));
  }

  /** {@code text} with every {@code every}-th word replaced by a fresh one. */
  static String edit(String text, int every, Random r) {
    String[] words = text.split(" ");
    for (int i = every / 2; i < words.length; i += every) {
      words[i] = "zz" + (char) ('a' + r.nextInt(26)) + "q" + (char) ('a' + r.nextInt(26));
    }
    return String.join(" ", words);
  }

  @Test
  void dedupDropsThePlantedExactAndNearDuplicatesAndOnlyThose() throws IOException {
    Random r = new Random(11);
    List<String> docs = new ArrayList<>(originals);
    docs.add(originals.get(3));                    // 30: exact copy of 3
    docs.add(originals.get(7));                    // 31: exact copy of 7
    docs.add(edit(originals.get(5), 80, r));       // 32: one word changed: Jaccard of 5-shingles ~0.88
    docs.add(edit(originals.get(9), 80, r));       // 33: near copy of 9
    docs.add(edit(docs.get(33), 40, r));           // 34: near copy of 33 (same cluster as 9)
    docs.add(edit(originals.get(11), 4, r));       // 35: every 4th word changed: Jaccard ~0: kept
    docs.add(edit(originals.get(12), 10, r));      // 36: every 10th word changed: Jaccard ~0.3: kept
    SparkFixtures.writeJsonl(dir.resolve("dedup/docs.jsonl"), docs);
    Path out = dir.resolve("dedup-out");
    PrepareReport report = SparkPrepare.of(Source.jsonl(dir.resolve("dedup/docs.jsonl").toString(), "text"))
        .tokenizer(tokenizer).output(out).exactDedup(true).nearDedup(NearDedup.jaccard(0.7)).partitions(3)
        .build().run(SparkFixtures.spark());

    List<String> kept = new ArrayList<>(docs);
    for (int i : new int[] {34, 33, 32, 31, 30}) {
      kept.remove(i);
    }
    assertKeptInOrder(out, kept);
    assertThat(report.dropped().keySet()).containsExactly("exact_duplicate", "near_duplicate");
    assertThat(report.dropped().get("exact_duplicate").documents()).isEqualTo(2);
    assertThat(report.dropped().get("near_duplicate").documents()).isEqualTo(3);
    assertThat(report.read()).isEqualTo(docs.size());
    JsonNode stats = new ObjectMapper().readTree(out.resolve("stats.json").toFile());
    assertThat(stats.at("/dropped/near_dedup/near_duplicate/documents").asLong()).isEqualTo(3);
    assertThat(stats.at("/dropped/exact_dedup/exact_duplicate/tokens").asLong()).isPositive();
  }

  @Test
  void qualityFiltersDropThePlantedBadDocumentsUnderTheirRule() throws IOException {
    List<String> docs = new ArrayList<>(originals.subList(0, 6));
    docs.add("too short to keep");                                            // too_few_words
    docs.add(String.join(" ", java.util.Collections.nCopies(60, "incomprehensibilities")));  // mean_word_length
    docs.add(originals.get(6).replace(" ", " ### "));                          // symbol_word_ratio
    docs.add(originals.get(7).replaceAll("[a-z]+", "12345"));                  // alpha_word_fraction
    docs.add(String.join("\n", java.util.Collections.nCopies(8, originals.get(8).substring(0, 120))));  // duplicate_lines
    SparkFixtures.writeJsonl(dir.resolve("filters/docs.jsonl"), docs);
    Path out = dir.resolve("filters-out");
    PrepareReport report = SparkPrepare.of(Source.jsonl(dir.resolve("filters/docs.jsonl").toString(), "text"))
        .tokenizer(tokenizer).output(out).qualityFilters(QualityFilters.gopher().withMinWords(10))
        .build().run(SparkFixtures.spark());

    assertKeptInOrder(out, docs.subList(0, 6));
    assertThat(report.dropped().keySet()).containsExactly("too_few_words", "mean_word_length", "symbol_word_ratio",
        "alpha_word_fraction", "duplicate_lines");
    report.dropped().values().forEach(c -> assertThat(c.documents()).isEqualTo(1));
    JsonNode stats = new ObjectMapper().readTree(out.resolve("stats.json").toFile());
    assertThat(stats.at("/stages/quality_filters/minWords").asInt()).isEqualTo(10);
    assertThat(stats.at("/dropped/quality_filters/duplicate_lines/documents").asLong()).isEqualTo(1);
  }

  private static void assertKeptInOrder(Path out, List<String> kept) {
    try (Tokenizer tok = Tokenizer.open(tokenizer); TokenDataset d = TokenDataset.open(out)) {
      List<int[]> actual = SparkFixtures.tokens(d);
      assertThat(actual).hasSize(kept.size());
      for (int i = 0; i < kept.size(); i++) {
        assertThat(actual.get(i)).as("kept document %d", i).isEqualTo(tok.encodeBatch(List.of(kept.get(i))).get(0));
      }
    }
  }

}
