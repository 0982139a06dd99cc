package io.cpt4j.spark.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The In-Context Pretraining traversal on small graphs whose path can be worked out by hand. */
class GreedyPathTest {
  @Test
  void aChainIsWalkedFromItsLowDegreeEndAlongTheMostSimilarNeighbour() {
    // 2 - 0 - 3 - 1 (a chain), 4 alone; 0's neighbours: 3 (0.9) beats 2 (0.5)
    GreedyPath.Path p = GreedyPath.of(5, new int[] {2, 0, 3}, new int[] {0, 3, 1}, new double[] {0.5, 0.9, 0.7});
    assertThat(p.order()).containsExactly(4, 1, 3, 0, 2); // degree 0 first, then the smaller-id end of the chain
    assertThat(p.jumps()).isEqualTo(1);
    assertThat(p.meanSimilarity()).isCloseTo((0.7 + 0.9 + 0.5) / 3, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void whenTheNeighboursAreUsedUpThePathJumpsToTheNextSmallestDegreeDocument() {
    // a star centred on 0 with leaves 1, 2, 3: from a leaf to the centre, then to the best leaf, then jump
    GreedyPath.Path p = GreedyPath.of(4, new int[] {0, 0, 0}, new int[] {1, 2, 3}, new double[] {0.2, 0.3, 0.3});
    assertThat(p.order()).containsExactly(1, 0, 2, 3); // ties in similarity go to the smaller index
    assertThat(p.jumps()).isEqualTo(1);
  }

  @Test
  void cliquesAreVisitedOneAfterTheOtherAndEveryDocumentOnce() {
    int n = 40;
    int clusters = 5; // document i is in cluster i % 5, so clusters are interleaved by index
    var a = IntStream.builder();
    var b = IntStream.builder();
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (i % clusters == j % clusters) {
          a.add(i);
          b.add(j);
        }
      }
    }
    int[] as = a.build().toArray();
    int[] bs = b.build().toArray();
    double[] sim = IntStream.range(0, as.length).mapToDouble(e -> 0.3 + (as[e] * 7 + bs[e]) % 10 / 20.0).toArray();
    GreedyPath.Path p = GreedyPath.of(n, as, bs, sim);
    assertThat(Arrays.stream(p.order()).sorted().toArray()).isEqualTo(IntStream.range(0, n).toArray());
    for (int k = 0; k < n; k++) {
      assertThat(p.order()[k] % clusters).as("position %d", k).isEqualTo(p.order()[k / 8 * 8] % clusters);
    }
    assertThat(p.jumps()).isEqualTo(clusters - 1);
    assertThat(GreedyPath.of(n, as, bs, sim).order()).isEqualTo(p.order());
  }
}
