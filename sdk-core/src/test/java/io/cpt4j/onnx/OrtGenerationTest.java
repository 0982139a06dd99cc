package io.cpt4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generation through ONNX Runtime: greedy decoding with the cache, without it and by the DJL
 * decoder (argmax over its full-sequence logits) give the same tokens; seeded sampling repeats
 * with the same seed and is the same with or without the cache; stop tokens, streaming and the
 * context length are honoured.
 */
class OrtGenerationTest {
  @TempDir static Path tmp;
  static Checkpoint ckpt;
  static OrtModel cached;
  static OrtModel plain;
  static ModelConfig c;

  @BeforeAll
  static void export() {
    c = TestCheckpoints.tinyLlamaGqa();
    ckpt = OnnxFixtures.checkpoint(c, tmp.resolve("ckpt"), 42);
    OnnxExport.of(ckpt).writeTo(tmp.resolve("cached"));
    OnnxExport.of(ckpt).kvCache(false).writeTo(tmp.resolve("plain"));
    cached = OrtModel.load(tmp.resolve("cached"));
    plain = OrtModel.load(tmp.resolve("plain"));
  }

  @AfterAll
  static void close() {
    cached.close();
    plain.close();
    ckpt.close();
  }

  private static final int[] PROMPT = {3, 17, 5, 40, 11};

  @Test
  void greedyMatchesTheDecoderWithAndWithoutTheCache() {
    Generation g = Generation.builder().maxNewTokens(20).stopTokens(List.of()).build();
    int[] withCache = cached.generate(PROMPT, g);
    int[] without = plain.generate(PROMPT, g);
    int[] expected = new int[20];
    try (OnnxFixtures.Reference ref = new OnnxFixtures.Reference(ckpt)) {
      int[] seq = PROMPT.clone();
      for (int i = 0; i < 20; i++) {
        float[] logits = ref.logits(new int[][] {seq});
        int next = argmax(Arrays.copyOfRange(logits, (seq.length - 1) * c.vocabSize(), seq.length * c.vocabSize()));
        expected[i] = next;
        seq = Arrays.copyOf(seq, seq.length + 1);
        seq[seq.length - 1] = next;
      }
    }
    assertThat(withCache).containsExactly(expected);
    assertThat(without).containsExactly(expected);
    assertThat(Arrays.stream(expected).distinct().count()).as("not one token repeated").isGreaterThan(1);
  }

  @Test
  void seededSamplingRepeatsAndIgnoresTheCache() {
    Generation g = Generation.builder().maxNewTokens(24).stopTokens(List.of()).temperature(1.0).topK(20).topP(0.9)
        .seed(7).build();
    int[] a = cached.generate(PROMPT, g);
    assertThat(cached.generate(PROMPT, g)).containsExactly(a);
    assertThat(plain.generate(PROMPT, g)).containsExactly(a);
    assertThat(cached.generate(PROMPT, g.newBuilder().seed(8).build())).isNotEqualTo(a);
  }

  @Test
  void stopsAtAStopTokenAndStreamsEveryToken() {
    int[] free = cached.generate(PROMPT, Generation.builder().maxNewTokens(10).stopTokens(List.of()).build());
    int stop = free[3];
    int firstStop = 0;
    while (free[firstStop] != stop) {
      firstStop++;
    }
    List<Integer> streamed = new ArrayList<>();
    Generation stopping = Generation.builder().maxNewTokens(10).stopTokens(List.of(stop)).build();
    int[] out = cached.generate(PROMPT, stopping, streamed::add);
    assertThat(out).containsExactly(Arrays.copyOf(free, firstStop + 1));
    assertThat(streamed).containsExactly(Arrays.stream(out).boxed().toArray(Integer[]::new));
  }

  @Test
  void theContextLengthBoundsGeneration() {
    int[] prompt = OnnxFixtures.randomRows(1, 60, c.vocabSize(), 3)[0];
    assertThat(cached.generate(prompt, Generation.builder().maxNewTokens(10).stopTokens(List.of()).build())).hasSize(4);
    assertThatThrownBy(() -> cached.generate(new int[64], Generation.greedy(1))).isInstanceOf(OnnxException.class)
        .hasMessageContaining("context length");
    assertThatThrownBy(() -> cached.generate(new int[0], Generation.greedy(1))).isInstanceOf(OnnxException.class)
        .hasMessageContaining("empty");
  }

  private static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
