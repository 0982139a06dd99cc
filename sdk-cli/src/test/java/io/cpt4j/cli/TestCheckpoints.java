package io.cpt4j.cli;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small F32 checkpoints with deterministic random weights. */
final class TestCheckpoints {
  private TestCheckpoints() {}

  static ModelConfig tinyLlama() {
    return ModelConfig.builder(Architecture.LLAMA)
        .vocabSize(128).hiddenSize(32).intermediateSize(64).numLayers(2).numHeads(4).numKvHeads(2).build();
  }

  static ModelConfig tinyNeox() {
    return ModelConfig.builder(Architecture.GPT_NEOX)
        .vocabSize(96).hiddenSize(32).intermediateSize(128).numLayers(2).numHeads(4).build();
  }

  /** The config's expected tensors, in model order, filled with values in about [-1, 1]. */
  static List<Tensor> tensors(ModelConfig config, long seed) {
    Random rnd = new Random(seed);
    List<Tensor> out = new ArrayList<>();
    for (Map.Entry<String, List<Long>> e : config.expectedTensors().entrySet()) {
      long[] shape = e.getValue().stream().mapToLong(Long::longValue).toArray();
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      float[] data = new float[(int) n];
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) (rnd.nextGaussian() * 0.3);
      }
      out.add(Tensor.ofFloats(e.getKey(), shape, data));
    }
    return out;
  }

  /** Writes a single-file F32 checkpoint; with a placeholder tokenizer.json if asked. */
  static Path write(Path dir, ModelConfig config, boolean withTokenizer) throws IOException {
    write(dir, config, tensors(config, 42));
    if (withTokenizer) {
      Files.writeString(dir.resolve("tokenizer.json"), "{\"placeholder\": true}");
    }
    return dir;
  }

  /** Writes a single-file F32 checkpoint of these tensors (no tokenizer). */
  static Path write(Path dir, ModelConfig config, List<Tensor> tensors) throws IOException {
    CheckpointWriter.to(dir).config(config).write(tensors);
    return dir;
  }
}
