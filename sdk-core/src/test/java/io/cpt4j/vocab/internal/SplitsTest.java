package io.cpt4j.vocab.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Split behaviors and Metaspace as HF tokenizers 0.23.2 gives them ({@code Split('-', behavior)
 * .pre_tokenize_str('the-final--countdown-')}, {@code Metaspace(prepend_scheme='first')}).
 */
class SplitsTest {
  private static List<String> split(String behavior) {
    List<String> out = new ArrayList<>();
    Splits.split("the-final--countdown-", Pattern.compile("-"), behavior, false, (s, first) -> out.add(s));
    return out;
  }

  @Test
  void everyBehaviorSplitsAsHfDoes() {
    assertThat(split("Removed")).containsExactly("the", "final", "countdown");
    assertThat(split("Isolated")).containsExactly("the", "-", "final", "-", "-", "countdown", "-");
    assertThat(split("MergedWithPrevious")).containsExactly("the-", "final-", "-", "countdown-");
    assertThat(split("MergedWithNext")).containsExactly("the", "-final", "-", "-countdown", "-");
    assertThat(split("Contiguous")).containsExactly("the", "-", "final", "--", "countdown", "-");
  }

  @Test
  void metaspaceReplacesSpacesPrependsAtTheStartAndSplitsBeforeEachSymbol() {
    PreTokenization p = new PreTokenization(null, new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
        .put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "first").put("split", true));
    List<String> words = new ArrayList<>();
    p.split("Hey  friend x", true, words::add);
    assertThat(words).containsExactly("\u2581Hey", "\u2581", "\u2581friend", "\u2581x");
    words.clear();
    p.split("after a special", false, words::add);
    assertThat(words).containsExactly("after", "\u2581a", "\u2581special");
  }
}
