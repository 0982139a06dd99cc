package io.cpt4j.grow.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What every growth writes the same way: the base's {@code config.json} read as JSON (so keys cpt4j
 * does not model survive an edit), and the grown checkpoint, whose edited config is staged in a
 * temporary directory and copied in, with the base's tokenizer and generation files, by the atomic
 * {@link CheckpointWriter} (temporary name, then rename). Stateless.
 */
final class GrownCheckpoints {
  private GrownCheckpoints() {}

  static final ObjectMapper JSON = new ObjectMapper();

  /** The base's config.json as an editable tree. */
  static ObjectNode config(Path base) throws IOException {
    return (ObjectNode) JSON.readTree(base.resolve("config.json").toFile());
  }

  /**
   * Writes {@code tensors} with {@code config} to {@code output}, noting {@code how} in the files'
   * metadata ({@code cpt4j_growth}).
   */
  static void write(Checkpoint base, ObjectNode config, List<? extends Tensor> tensors, Path output,
      boolean overwrite, String how) {
    try {
      Path staging = Files.createTempDirectory("cpt4j-grow-config");
      try {
        Path json = Files.writeString(staging.resolve("config.json"),
            JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
        CheckpointWriter.to(output).copyFilesFrom(base).config(ModelConfig.read(json)).copyFile(json)
            .overwrite(overwrite).metadata(Map.of("cpt4j_growth", how)).write(tensors);
      } finally {
        Files.deleteIfExists(staging.resolve("config.json"));
        Files.deleteIfExists(staging);
      }
    } catch (IOException e) {
      throw new CheckpointException(output, "cannot stage the grown config.json: " + e.getMessage(), e);
    }
  }
}
