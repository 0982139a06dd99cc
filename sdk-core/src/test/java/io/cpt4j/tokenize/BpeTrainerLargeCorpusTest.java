package io.cpt4j.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An 8k vocabulary on ~4 MB of generated pseudo-English, under the large tests' 512 MB heap. */
@Tag("large")
class BpeTrainerLargeCorpusTest {
  @TempDir Path tmp;

  @Test
  void reachesAnEightThousandVocabularyOnFourMegabytesInASmallHeap() {
    List<String> texts = pseudoEnglish(4_000_000, new Random(1));
    TrainedTokenizer t = BpeTrainer.vocabSize(8192).threads(2).train(texts, tmp.resolve("tokenizer.json"));
    assertThat(t.vocabSize()).isEqualTo(8192);
    assertThat(t.corpusBytes()).isGreaterThanOrEqualTo(4_000_000);
    try (Tokenizer tok = Tokenizer.open(t.file())) {
      String sample = texts.getFirst();
      assertThat(tok.decode(tok.encode(sample))).isEqualTo(sample);
    }
  }

  /** Paragraphs of Zipf-distributed words made of random syllables, with punctuation and numbers. */
  static List<String> pseudoEnglish(int bytes, Random random) {
    String[] syllables = {"the", "an", "re", "in", "er", "on", "at", "ing", "st", "qu", "ex", "pro", "con", "al",
        "ment", "tion", "ly", "ous", "ble", "ch", "sh", "th", "o", "a", "e", "i", "u", "y", "ka", "zo", "mi", "pe"};
    String[] words = new String[60_000];
    for (int i = 0; i < words.length; i++) {
      StringBuilder w = new StringBuilder();
      int n = 1 + random.nextInt(4);
      for (int s = 0; s < n; s++) {
        w.append(syllables[random.nextInt(syllables.length)]);
      }
      words[i] = i % 17 == 0 ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : w.toString();
    }
    List<String> texts = new ArrayList<>();
    int total = 0;
    while (total < bytes) {
      StringBuilder p = new StringBuilder();
      int sentences = 1 + random.nextInt(6);
      for (int s = 0; s < sentences; s++) {
        int len = 4 + random.nextInt(16);
        for (int k = 0; k < len; k++) {
          int rank = (int) Math.min(words.length - 1, Math.floor(Math.pow(words.length, random.nextDouble())) - 1);
          p.append(k == 0 ? "" : " ").append(words[rank]);
          if (random.nextInt(40) == 0) {
            p.append(' ').append(random.nextInt(2000));
          }
        }
        p.append(random.nextInt(8) == 0 ? "? " : ". ");
      }
      String text = p.append('\n').toString();
      texts.add(text);
      total += text.length();
    }
    return texts;
  }
}
