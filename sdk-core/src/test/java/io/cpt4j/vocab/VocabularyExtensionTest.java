package io.cpt4j.vocab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.data.DataException;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extended checkpoint: old token rows bit-identical (F32 tied, BF16 untied), new rows the float64
 * mean of the rows they replace (embedding and head separately), a tied head stays tied; text of old
 * tokens keeps its ids and its scores over the old vocabulary; bad requests fail before writing.
 */
class VocabularyExtensionTest {
  @TempDir Path tmp;

  private static final String GENERAL = "The weather was pleasant, and we walked along the river until sunset.";

  /** The first {@code rows} rows of a matrix, as stored. */
  private record FirstRows(TensorInfo info, Tensor source) implements Tensor {
    @Override
    public MemorySegment bytes() {
      return source.bytes().asSlice(0, info.byteSize());
    }

    @Override
    public void readFloats(long fromElement, float[] dst, int offset, int length) {
      source.readFloats(fromElement, dst, offset, length);
    }
  }

  /** {@code dir}'s model cut to its first {@code rows} token rows: how it scores over the old vocabulary. */
  private Path oldVocabulary(Path dir, int rows, String name) {
    try (Checkpoint c = Checkpoint.open(dir)) {
      ModelConfig config = c.config().newBuilder().vocabSize(rows).build();
      List<Tensor> tensors = c.tensors().stream().map(t -> {
        Tensor s = c.tensor(t.name());
        return t.shape().size() == 2 && t.shape().getFirst() == c.config().vocabSize()
            ? new FirstRows(new TensorInfo(t.name(), t.dtype(), List.of((long) rows, t.shape().get(1))), s) : s;
      }).toList();
      CheckpointWriter.to(tmp.resolve(name)).config(config).write(tensors);
    }
    return tmp.resolve(name);
  }

  private static List<Loglikelihood> score(Path model, int[] ids) {
    try (Scorer s = Scorer.open(model)) {
      return s.score(List.of(new LoglikelihoodRequest(Arrays.copyOf(ids, 3), Arrays.copyOfRange(ids, 3, ids.length))));
    }
  }

  @Test
  void oldTokensKeepTheirIdsRowsAndScoresAndNewRowsAreMeansTiedQwen() throws IOException {
    Path base = VocabFixtures.base(tmp.resolve("base"), VocabFixtures.qwen(), "qwen2.5-0.5b-instruct");
    VocabularyReport r = VocabularyExtension.of(base).corpus(VocabFixtures.GOLDEN.resolve("code-corpus.txt"))
        .add(8).writeTo(tmp.resolve("out"));
    assertThat(r.tokensAdded()).isEqualTo(8);
    assertThat(r.rowsAfter()).as("new tokens use the padding rows").isEqualTo(151_936);
    assertThat(r.tokensPerByteAfter()).isLessThan(r.tokensPerByteBefore());
    int[] ids;
    try (Tokenizer before = Tokenizer.open(base.resolve("tokenizer.json"));
        Tokenizer after = Tokenizer.open(tmp.resolve("out/tokenizer.json"))) {
      ids = before.encode(GENERAL);
      assertThat(after.encode(GENERAL)).containsExactly(ids);
    }
    assertRows(base, r, "model.embed_tokens.weight");
    try (Checkpoint out = Checkpoint.open(r.output())) {
      assertThat(out.config().tieWordEmbeddings()).isTrue();
      assertThat(out.tensors().stream().map(TensorInfo::name)).doesNotContain("lm_head.weight");
    }
    List<Loglikelihood> was = score(oldVocabulary(base, r.vocabularyBefore(), "base-old"), ids);
    List<Loglikelihood> is = score(oldVocabulary(r.output(), r.vocabularyBefore(), "out-old"), ids);
    assertThat(is.getFirst().logprob()).isEqualTo(was.getFirst().logprob());
  }

  @Test
  void anUntiedBf16HeadGrowsWithItsOwnMeansAndOldRowsStayBitIdentical() throws IOException {
    Path f32 = VocabFixtures.base(tmp.resolve("f32"), VocabFixtures.mistral(), "mistral-7b-v0.1");
    Path base = tmp.resolve("base");
    try (Checkpoint c = Checkpoint.open(f32)) {
      CheckpointWriter.to(base).dtype(DType.BF16).copyFilesFrom(c).write(c.tensors().stream()
          .map(t -> c.tensor(t.name())).toList());
    }
    VocabularyReport r = VocabularyExtension.of(base).corpus(VocabFixtures.GOLDEN.resolve("portuguese-corpus.txt"))
        .add(12).writeTo(tmp.resolve("out"));
    assertThat(r.rowsAfter()).isEqualTo(32_000 + 12);
    assertRows(base, r, "model.embed_tokens.weight");
    assertRows(base, r, "lm_head.weight");
    try (Checkpoint out = Checkpoint.open(r.output()); Checkpoint b = Checkpoint.open(base)) {
      for (String name : List.of("model.embed_tokens.weight", "lm_head.weight")) {
        long bytes = b.tensor(name).info().byteSize();
        assertThat(out.tensor(name).dtype()).isEqualTo(DType.BF16);
        assertThat(out.tensor(name).bytes().asSlice(0, bytes).mismatch(b.tensor(name).bytes())).isEqualTo(-1);
      }
      assertThat(out.config().vocabSize()).isEqualTo(r.rowsAfter());
    }
    assertThat(Files.readString(r.output().resolve("tokenizer_config.json")))
        .isEqualTo(Files.readString(base.resolve("tokenizer_config.json")));
  }

  /** Old rows bit-identical as floats; new row k the float64 mean of the base rows of its old tokens. */
  private static void assertRows(Path base, VocabularyReport r, String name) {
    try (Checkpoint b = Checkpoint.open(base); Checkpoint out = Checkpoint.open(r.output())) {
      Tensor was = b.tensor(name);
      Tensor is = out.tensor(name);
      int h = (int) (long) was.shape().get(1);
      float[] old = new float[r.vocabularyBefore() * h];
      float[] now = new float[old.length];
      was.readFloats(0, old, 0, old.length);
      is.readFloats(0, now, 0, now.length);
      assertThat(Arrays.mismatch(now, old)).as(name + " old rows: first element that differs").isEqualTo(-1);
      for (VocabularyReport.NewToken t : r.newTokens()) {
        float[] row = new float[h];
        is.readFloats((long) t.id() * h, row, 0, h);
        for (int j = 0; j < h; j++) {
          double sum = 0;
          for (int id : t.oldIds()) {
            sum += old[id * h + j];
          }
          float mean = (float) (sum / t.oldIds().size());
          float expected = was.dtype() == DType.BF16 ? Float.intBitsToFloat(bf16(mean)) : mean;
          assertThat(row[j]).as("%s row %d (%s) column %d", name, t.id(), t.token(), j).isEqualTo(expected);
        }
      }
    }
  }

  /** Round to nearest even in BF16, as the writer narrows. */
  private static int bf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) << 16;
  }

  @Test
  void badRequestsFailWithOneClearErrorAndWriteNothing() throws IOException {
    Path base = VocabFixtures.base(tmp.resolve("base"), VocabFixtures.mistral(), "mistral-7b-v0.1");
    Path corpus = VocabFixtures.GOLDEN.resolve("portuguese-corpus.txt");
    Path out = tmp.resolve("out");
    VocabularyExtension ok = VocabularyExtension.of(base).corpus(corpus);
    assertThatThrownBy(() -> ok.add(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("add must be at least 1 token, got 0");
    assertThatThrownBy(() -> VocabularyExtension.of(base).add(5).writeTo(out)).isInstanceOf(VocabularyException.class)
        .hasMessageContaining("set corpus");
    assertThatThrownBy(() -> ok.add(40_000).writeTo(out)).isInstanceOf(VocabularyException.class)
        .hasMessage("adding 40000 tokens to the 32000 ids of " + base + " would make 72000 ids, past the 65536 that "
            + "uint16 token shards hold: add at most 33536, or allow 4-byte token ids (allowWiderTokenIds / "
            + "--allow-wider-token-ids)");
    assertThatThrownBy(() -> VocabularyExtension.of(base).corpus(tmp.resolve("missing.txt")).add(5).writeTo(out))
        .isInstanceOf(DataException.class);
    assertThatThrownBy(() -> ok.add(5).minFrequency(1_000).writeTo(out)).isInstanceOf(VocabularyException.class)
        .hasMessageContaining("no pair of tokens occurs 1000 times");
    Files.createDirectories(tmp.resolve("full"));
    Files.writeString(tmp.resolve("full/x"), "x");
    assertThatThrownBy(() -> ok.add(5).writeTo(tmp.resolve("full"))).isInstanceOf(VocabularyException.class)
        .hasMessage(tmp.resolve("full") + " exists and is not empty: choose another output or overwrite it");
    String json = Files.readString(base.resolve("tokenizer.json"));
    Files.writeString(base.resolve("tokenizer.json"), json.replace("\"type\": \"BPE\"", "\"type\": \"WordPiece\""));
    assertThatThrownBy(() -> ok.add(5).writeTo(out)).isInstanceOf(VocabularyException.class)
        .hasMessageContaining("the tokenizer model is WordPiece; vocabulary extension continues BPE merges");
    Files.writeString(base.resolve("tokenizer.json"), json.replace("\"pre_tokenizer\": null",
        "\"pre_tokenizer\": {\"type\": \"Whitespace\"}"));
    assertThatThrownBy(() -> ok.add(5).writeTo(out)).isInstanceOf(VocabularyException.class)
        .hasMessageContaining("pre-tokenizer Whitespace is not supported");
    Files.writeString(base.resolve("tokenizer.json"), json.replace("\"byte_fallback\": true", "\"byte_fallback\": false"));
    assertThatThrownBy(() -> ok.add(5).writeTo(out)).isInstanceOf(VocabularyException.class)
        .hasMessageContaining("must be SentencePiece-style");
    assertThat(Files.exists(out)).isFalse();
  }
}
