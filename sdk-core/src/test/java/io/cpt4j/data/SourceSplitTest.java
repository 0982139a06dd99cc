package io.cpt4j.data;

import static io.cpt4j.data.TestFiles.origins;
import static io.cpt4j.data.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Deterministic train/validation splits by a hash of the seed and each document's origin. */
class SourceSplitTest {
  private static final int DOCUMENTS = 2_000;

  @TempDir Path tmp;
  Source all;

  @BeforeEach
  void corpus() {
    // 2,000 documents: 4 files of 500 JSONL lines each.
    for (int f = 0; f < 4; f++) {
      StringBuilder lines = new StringBuilder();
      for (int i = 0; i < DOCUMENTS / 4; i++) {
        lines.append("{\"text\": \"document ").append(f).append('-').append(i).append("\"}\n");
      }
      write(tmp.resolve("part-" + f + ".jsonl"), lines.toString());
    }
    all = Source.jsonl(tmp, "text");
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {0, 1, 42, -7, Long.MAX_VALUE})
  void theSidesAreDisjointAndTogetherHoldEveryDocumentInOrder(long seed) {
    Source.Split split = all.split(0.1, seed);
    List<String> train = origins(split.train());
    List<String> validation = origins(split.validation());
    assertThat(train).doesNotContainAnyElementsOf(validation);
    List<String> union = new ArrayList<>(train);
    union.addAll(validation);
    assertThat(union).containsExactlyInAnyOrderElementsOf(origins(all)).hasSize(DOCUMENTS);
    assertThat(origins(all)).containsSubsequence(train).containsSubsequence(validation);
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {0, 1, 42, -7, Long.MAX_VALUE})
  void theValidationShareIsWithinFourStandardDeviationsOfTheFraction(long seed) {
    // Binomial(n = 2000, p): sd = sqrt(n p (1 - p)), 13.4 documents at p = 0.1 and 22.4 at p = 0.5.
    // Each side of a 4-sd bound has probability about 3e-5 for an ideal hash.
    for (double p : new double[] {0.1, 0.5}) {
      double sd = Math.sqrt(DOCUMENTS * p * (1 - p));
      int held = origins(all.split(p, seed).validation()).size();
      assertThat((double) held).as("p = %s", p).isBetween(DOCUMENTS * p - 4 * sd, DOCUMENTS * p + 4 * sd);
    }
  }

  @Test
  void theSplitIsStableAcrossReadsAndEqualSources() {
    List<String> first = origins(all.split(0.2, 5).validation());
    List<String> again = origins(Source.jsonl(tmp.toString(), "text").named("other").split(0.2, 5).validation());
    assertThat(again).isEqualTo(first).isNotEmpty();
  }

  @Test
  void differentSeedsHoldOutDifferentDocuments() {
    assertThat(origins(all.split(0.2, 5).validation())).isNotEqualTo(origins(all.split(0.2, 6).validation()));
  }

  @Test
  void addingAFileLeavesEveryOtherDocumentOnItsSide() {
    Set<String> before = new HashSet<>(origins(all.split(0.3, 9).validation()));
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      lines.append("{\"text\": \"new ").append(i).append("\"}\n");
    }
    write(tmp.resolve("part-00-new.jsonl"), lines.toString()); // sorts first, before every old file
    Set<String> after = new HashSet<>(origins(all.split(0.3, 9).validation()));
    after.removeIf(o -> o.startsWith("part-00-new"));
    assertThat(after).isEqualTo(before);
  }

  @Test
  void aSideCannotBeSplitAgain() {
    assertThatThrownBy(() -> all.split(0.1, 1).train().split(0.1, 1)).isInstanceOf(IllegalStateException.class);
  }
}
