package io.cpt4j.merge.internal.engine;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.merge.MergeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where and how a derived checkpoint is written: the one {@link CheckpointWriter} setup of merges,
 * task-vector applications and grafts, and the one mapping of the writer's failures to {@link
 * MergeException}s ("{@code action} failed: …"). The writer is atomic, so a failure leaves nothing
 * under {@link #directory}. Immutable.
 *
 * @param directory the checkpoint directory to write
 * @param action what is being written, for error messages, e.g. {@code "merge into /out"}
 * @param dtype output dtype of floating-point tensors; null keeps each tensor's own
 * @param maxShardSize largest shard in bytes
 * @param overwrite replace an existing non-empty directory
 * @param filesFrom the checkpoint whose config.json and tokenizer / generation files are copied
 * @param tokenizerFrom a checkpoint whose tokenizer files, generation_config.json and special-token
 *     ids replace those of {@code filesFrom}; ignored when it is {@code filesFrom}
 * @param metadata extra {@code __metadata__} entries of every shard
 * @param chatTemplate a Jinja template written as {@code chat_template.jinja}; empty: none
 * @param config the text of the output's {@code config.json}, replacing that of {@code filesFrom}
 *     (merge slices change the layer count); empty: {@code filesFrom}'s
 * @param files further files by name with their text, replacing those copied (a merge's rebuilt
 *     tokenizer.json); empty: none
 */
public record DerivedOutput(Path directory, String action, DType dtype, long maxShardSize, boolean overwrite,
    Checkpoint filesFrom, Optional<Checkpoint> tokenizerFrom, Map<String, String> metadata,
    Optional<String> chatTemplate, Optional<String> config, Map<String, String> files) {

  public DerivedOutput {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(filesFrom, "filesFrom");
    Objects.requireNonNull(tokenizerFrom, "tokenizerFrom");
    metadata = Map.copyOf(metadata);
    Objects.requireNonNull(chatTemplate, "chatTemplate");
    Objects.requireNonNull(config, "config");
    files = Map.copyOf(files);
  }

  /** An output without a separate tokenizer source or chat template. */
  public static DerivedOutput of(Path directory, String action, DType dtype, long maxShardSize, boolean overwrite,
      Checkpoint filesFrom, Map<String, String> metadata) {
    return new DerivedOutput(directory, action, dtype, maxShardSize, overwrite, filesFrom, Optional.empty(), metadata,
        Optional.empty(), Optional.empty(), Map.of());
  }

  /**
   * Runs {@code write}, turning a failure to compute a derived tensor ({@link
   * UnsupportedOperationException} or {@link IllegalStateException}) into a {@link MergeException}
   * "{@code action} failed: …": the one error mapping of everything derived checkpoints and task
   * vector files write.
   */
  public static <T> T failuresAsMergeException(String action, Supplier<T> write) {
    try {
      return write.get();
    } catch (UnsupportedOperationException | IllegalStateException e) {
      throw new MergeException(action + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code tensors} (in this order) with the auxiliary files.
   *
   * @return the files written
   * @throws MergeException if computing a tensor fails ({@link UnsupportedOperationException} or
   *     {@link IllegalStateException} from a tensor) or the chat template cannot be staged;
   *     {@link io.cpt4j.checkpoint.CheckpointException}s of the writer pass unchanged
   */
  public List<Path> write(List<? extends Tensor> tensors) {
    CheckpointWriter writer = CheckpointWriter.to(directory).dtype(dtype).maxShardSize(maxShardSize)
        .copyFilesFrom(filesFrom).overwrite(overwrite).metadata(metadata);
    if (tokenizerFrom.isPresent() && tokenizerFrom.get() != filesFrom) {
      writer = writer.tokenizerFilesFrom(tokenizerFrom.get());
    }
    Path staging = null;
    try {
      if (chatTemplate.isPresent() || config.isPresent() || !files.isEmpty()) { // files under their final names, copied in by the writer
        staging = Files.createTempDirectory("cpt4j-derived-files");
      }
      if (chatTemplate.isPresent()) {
        writer = writer.copyFile(Files.writeString(staging.resolve("chat_template.jinja"), chatTemplate.get()));
      }
      for (Map.Entry<String, String> f : files.entrySet()) {
        writer = writer.copyFile(Files.writeString(staging.resolve(f.getKey()), f.getValue()));
      }
      if (config.isPresent()) {
        Path json = Files.writeString(staging.resolve("config.json"), config.get());
        writer = writer.config(ModelConfig.read(json)).copyFile(json);
      }
      CheckpointWriter w = writer;
      return failuresAsMergeException(action, () -> w.write(tensors));
    } catch (IOException e) {
      throw new MergeException(action + " failed: cannot stage the chat template or config: " + e.getMessage(), e);
    } finally {
      if (staging != null) {
        try {
          Files.deleteIfExists(staging.resolve("chat_template.jinja"));
          Files.deleteIfExists(staging.resolve("config.json"));
          for (String f : files.keySet()) {
            Files.deleteIfExists(staging.resolve(f));
          }
          Files.deleteIfExists(staging);
        } catch (IOException ignored) {
          // a leftover temporary file in the system temp directory is harmless
        }
      }
    }
  }
}
