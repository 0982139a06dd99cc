package io.cpt4j.data.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.data.Source;
import org.junit.jupiter.api.Test;

/** The split hash is pinned: changing it would silently move documents between train and validation. */
class SplitHashTest {
  @Test
  void theUnitHashIsSha256OfSeedAndOriginScaledToTheUnitInterval() {
    // Computed independently (Python hashlib): sha256(seed as 8 big-endian bytes + origin UTF-8),
    // first 8 bytes as an unsigned integer, top 53 bits / 2^53.
    assertThat(SourceReader.unitHash(0, "x#0")).isEqualTo(0.22248505030347532);
    assertThat(SourceReader.unitHash(42, "corpus/a.txt#17")).isEqualTo(0.7680170769463249);
  }

  @Test
  void aDocumentIsKeptByExactlyOneSide() {
    for (int i = 0; i < 1_000; i++) {
      String origin = "f.txt#" + i;
      boolean validation = SourceReader.keeps(new Source.SplitSpec(0.25, 3, true), origin);
      boolean train = SourceReader.keeps(new Source.SplitSpec(0.25, 3, false), origin);
      assertThat(validation).isNotEqualTo(train);
      assertThat(validation).isEqualTo(SourceReader.unitHash(3, origin) < 0.25);
    }
  }
}
