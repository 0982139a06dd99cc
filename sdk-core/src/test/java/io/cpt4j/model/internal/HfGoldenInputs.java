package io.cpt4j.model.internal;

import io.cpt4j.backend.Batch;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.model.ReferenceDecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The inputs of {@link HfGoldenTest}: for every decoder variant, a checkpoint (seeded weights, our
 * {@code config.json}) and a packed batch, written where {@code hf_golden.py} runs Hugging Face
 * transformers on them. Run {@link #main} to regenerate them (see the resource README).
 */
public final class HfGoldenInputs {
  static final long WEIGHT_SEED = 11;
  static final long BATCH_SEED = 12;
  static final int ROWS = 2;
  static final int LENGTH = 12;

  private HfGoldenInputs() {}

  static Map<String, float[]> weights(ModelConfig c) {
    return ReferenceDecoder.randomWeights(c, WEIGHT_SEED);
  }

  static Batch batch(ModelConfig c) {
    return ReferenceDecoder.randomBatch(c, ROWS, LENGTH, BATCH_SEED, true);
  }

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args[0]);
    for (Arguments a : TestCheckpoints.decoderVariants().toList()) {
      String name = (String) a.get()[0];
      ModelConfig c = (ModelConfig) a.get()[1];
      Map<String, float[]> w = weights(c);
      List<Tensor> tensors = c.expectedTensors().entrySet().stream()
          .map(e -> Tensor.ofFloats(e.getKey(), e.getValue().stream().mapToLong(Long::longValue).toArray(),
              w.get(e.getKey())))
          .toList();
      Path dir = out.resolve(name);
      CheckpointWriter.to(dir).config(c).overwrite(true).write(tensors);
      Batch b = batch(c);
      Files.writeString(dir.resolve("inputs.json"), "{\"rows\": " + b.rows() + ", \"length\": " + b.length()
          + ", \"input_ids\": " + json(b.inputIds()) + ", \"position_ids\": " + json(BatchInputs.positions(b))
          + ", \"document_ids\": " + json(b.documentIds()) + "}\n");
      System.out.println("wrote " + dir);
    }
  }

  private static String json(int[] v) {
    return Arrays.stream(v).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
  }
}
