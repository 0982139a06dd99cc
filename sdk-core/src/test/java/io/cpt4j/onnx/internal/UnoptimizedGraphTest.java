package io.cpt4j.onnx.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.onnx.Forward;
import io.cpt4j.onnx.KvCache;
import io.cpt4j.onnx.OnnxExport;
import io.cpt4j.onnx.OnnxFixtures;
import io.cpt4j.onnx.OrtInputs;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The graph as written, without ONNX Runtime's graph optimizations (which other runtimes, such as
 * GenAI with other providers, may not apply), computes the DJL decoder's logits too, including a
 * left-padded batch: what the export means does not depend on ORT's fusions.
 */
class UnoptimizedGraphTest {
  @TempDir static Path tmp;

  static Stream<Arguments> variants() {
    return Stream.of(Arguments.of("llama-gqa", TestCheckpoints.tinyLlamaGqa()),
        Arguments.of("qwen2", TestCheckpoints.tinyQwen2()), Arguments.of("neox", TestCheckpoints.tinyNeox()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void unoptimizedLogitsMatchTheDecoder(String name, ModelConfig c) {
    Path dir = tmp.resolve(name);
    try (Checkpoint ckpt = OnnxFixtures.checkpoint(c, dir.resolve("ckpt"), 5);
        OnnxFixtures.Reference ref = new OnnxFixtures.Reference(ckpt)) {
      OnnxExport.of(ckpt).writeTo(dir.resolve("onnx"));
      int[][] prompts = {OnnxFixtures.randomRows(1, 9, c.vocabSize(), 1)[0], OnnxFixtures.randomRows(1, 4, c.vocabSize(), 2)[0]};
      try (OrtDecoderModel m = new OrtDecoderModel(dir.resolve("onnx"), 1, OrtSession.SessionOptions.OptLevel.NO_OPT)) {
        OrtInputs in = OrtInputs.leftPadded(prompts, 0);
        Forward f = m.forward(in, null);
        f.cache().ifPresent(KvCache::close);
        double worst = 0;
        int v = c.vocabSize();
        for (int r = 0; r < 2; r++) {
          float[] own = ref.logits(new int[][] {prompts[r]});
          int pad = in.length() - prompts[r].length;
          worst = Math.max(worst, OnnxFixtures.maxDiff(f.logits().values(), (r * in.length() + pad) * v, own, 0,
              prompts[r].length * v));
        }
        System.out.printf("%s without graph optimizations: max abs diff %.2e%n", name, worst);
        assertThat(worst).isLessThanOrEqualTo(1e-4);
      }
    }
  }
}
