package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.doubles;
import static io.cpt4j.merge.MergeFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Inputs whose vocabularies differ (48 rows in the base, 56 in a model that added tokens): refused
 * with the sizes and the fix by default; with {@code vocabularyFrom} the shared rows are merged and
 * the extra rows, config and tokenizer come from the chosen checkpoint.
 */
class VocabularyMergeTest extends MergeFixtures.WithCheckpoints {
  final ModelConfig config = TestCheckpoints.tinyLlama();
  Checkpoint base;
  Checkpoint a;
  Checkpoint big;

  static final List<String> VOCAB_TENSORS = List.of("model.embed_tokens.weight", "lm_head.weight");

  @BeforeEach
  void checkpoints() throws IOException {
    base = keep(random(dir.resolve("base"), config, 1));
    a = keep(random(dir.resolve("a"), config, 2));
    Path bigDir = dir.resolve("big");
    big = random(bigDir, config.newBuilder().vocabSize(56).build(), 3, DType.BF16, Long.MAX_VALUE);
    big.close();
    Files.writeString(bigDir.resolve("tokenizer_config.json"), "{\"added\": \"eight tokens\"}");
    big = keep(Checkpoint.open(bigDir));
  }

  @Test
  void differentVocabularySizesAreRefusedWithTheSizesAndTheFix() {
    Merge merge = Merge.builder(new MergeMethod.TaskArithmetic(), base).model(a).model(big).build();
    assertThatThrownBy(() -> merge.writeTo(dir.resolve("never")))
        .isInstanceOf(MergeException.class)
        .hasMessageContaining("vocabulary size differs (56 in " + big.directory() + " vs 48 in the base")
        .hasMessageContaining("model.embed_tokens.weight, lm_head.weight")
        .hasMessageContaining("vocabularyFrom");
    assertThat(dir.resolve("never")).doesNotExist();
  }

  @Test
  void theSharedRowsAreMergedAndTheExtraRowsConfigAndTokenizerComeFromTheChosenCheckpoint() throws IOException {
    double[] w = {0.6, 0.9};
    Path out = dir.resolve("out");
    Merge.builder(new MergeMethod.TaskArithmetic(0.8, false), base).model(MergeInput.of(a, w[0]))
        .model(MergeInput.of(big, w[1])).vocabularyFrom(big).dtype(DType.F32).build().writeTo(out);
    try (Checkpoint merged = Checkpoint.open(out)) {
      assertThat(merged.config().vocabSize()).isEqualTo(56);
      assertThat(Files.readString(out.resolve("tokenizer_config.json"))).contains("eight tokens");
      for (TensorInfo t : merged.tensors()) {
        double[] got = doubles(merged, t.name());
        double[] o = doubles(base, t.name());
        double[] x = doubles(a, t.name());
        double[] y = doubles(big, t.name());
        assertThat(got).as(t.name()).hasSameSizeAs(y);
        int shared = o.length; // the base has the fewest rows: all of its elements are shared
        for (int i = 0; i < got.length; i++) {
          double want = i < shared ? o[i] + 0.8 * (w[0] * (x[i] - o[i]) + w[1] * (y[i] - o[i])) : y[i];
          assertThat(got[i]).as("%s[%d]", t.name(), i).isCloseTo(want, Offset.offset(1e-5 + 1e-5 * Math.abs(want)));
        }
        if (VOCAB_TENSORS.contains(t.name())) {
          assertThat(t.shape()).containsExactly(56L, 16L);
        }
      }
    }
  }

  @Test
  void theSmallerVocabularyKeepsOnlyTheSharedRowsAndTiesTrimsThemAlone() {
    Path out = dir.resolve("small");
    Merge.builder(new MergeMethod.Ties(1, true), base).model(new MergeInput(big, 1, 0.5)).vocabularyFrom(base)
        .dtype(DType.F32).build().writeTo(out);
    try (Checkpoint merged = Checkpoint.open(out)) {
      assertThat(merged.config().vocabSize()).isEqualTo(48);
      for (String name : VOCAB_TENSORS) {
        double[] got = doubles(merged, name);
        double[] o = doubles(base, name);
        double[] y = doubles(big, name);
        assertThat(got).hasSameSizeAs(o);
        // one model, density 0.5 of the 48 shared rows: exactly half the entries move to the model
        int moved = 0;
        for (int i = 0; i < o.length; i++) {
          double delta = (float) ((float) y[i] - (float) o[i]);
          if (got[i] != o[i]) {
            moved++;
            assertThat(got[i]).isCloseTo(o[i] + delta, Offset.offset(1e-6));
          }
        }
        assertThat(moved).as(name).isEqualTo(o.length / 2);
      }
    }
  }

  @Test
  void theVocabularySourceMustBeAnInput() {
    Checkpoint other = keep(random(dir.resolve("other"), config, 9));
    Merge merge = Merge.builder(new MergeMethod.Linear(), base).model(big).vocabularyFrom(other).build();
    assertThatThrownBy(() -> merge.writeTo(dir.resolve("never")))
        .isInstanceOf(MergeException.class).hasMessageContaining("is not one of the merged checkpoints");
  }
}
