package io.cpt4j.onnx.internal;

import static io.cpt4j.onnx.OnnxFixtures.maxDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.onnx.OnnxException;
import io.cpt4j.onnx.OnnxExport;
import io.cpt4j.onnx.OnnxFixtures;
import io.cpt4j.onnx.OrtModel;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-token NLL through ONNX Runtime equals the DJL decoder's, with or without the cache and in
 * chunks; past the context length the sliding window scores each token once from the window the
 * contract names.
 */
class OrtScoringTest {
  @TempDir Path tmp;

  @Test
  void nllMatchesTheDecoderAndSlidesPastTheContext() {
    ModelConfig c = TestCheckpoints.tinyNeox();
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(c, tmp.resolve("ckpt"), 8);
        OnnxFixtures.Reference ref = new OnnxFixtures.Reference(ckpt)) {
      OnnxExport.of(ckpt).writeTo(tmp.resolve("cached"));
      OnnxExport.of(ckpt).kvCache(false).writeTo(tmp.resolve("plain"));
      int[] tokens = OnnxFixtures.randomRows(1, 40, c.vocabSize(), 4)[0];
      float[] expected = ref.tokenNll(tokens);
      try (OrtModel cached = OrtModel.load(tmp.resolve("cached")); OrtModel plain = OrtModel.load(tmp.resolve("plain"))) {
        assertThat(maxDiff(cached.tokenNll(tokens), 0, expected, 0, 39)).isLessThanOrEqualTo(1e-4);
        assertThat(maxDiff(plain.tokenNll(tokens), 0, expected, 0, 39)).isLessThanOrEqualTo(1e-4);
        assertThat(maxDiff(OrtScoring.tokenNll(cached, tokens, 64, 5), 0, expected, 0, 39)).as("chunks of 5")
            .isLessThanOrEqualTo(1e-4);
        // window 16, stride 8: [0,16) scores targets 1..15, [8,24) 16..23, [16,32) 24..31, [24,40) 32..39
        float[] windowed = new float[39];
        int[][] windows = {{0, 16, 1}, {8, 24, 16}, {16, 32, 24}, {24, 40, 32}};
        for (int[] w : windows) {
          float[] part = ref.tokenNll(Arrays.copyOfRange(tokens, w[0], w[1]));
          for (int t = w[2]; t < w[1]; t++) {
            windowed[t - 1] = part[t - w[0] - 1];
          }
        }
        for (OrtModel m : new OrtModel[] {cached, plain}) {
          float[] got = OrtScoring.tokenNll(m, tokens, 16, 5);
          assertThat(maxDiff(got, 0, windowed, 0, 39)).as("sliding window").isLessThanOrEqualTo(1e-4);
          assertThat(maxDiff(got, 16, expected, 16, 23)).as("truncated history changes later tokens").isGreaterThan(1e-3);
        }
        assertThatThrownBy(() -> cached.tokenNll(new int[] {1})).isInstanceOf(OnnxException.class)
            .hasMessageContaining("at least 2");
      }
    }
  }
}
