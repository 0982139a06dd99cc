package io.cpt4j.checkpoint;

import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Writes a checkpoint directory in the Hugging Face layout: {@code model.safetensors} (or shards
 * {@code model-0000N-of-0000M.safetensors} with {@code model.safetensors.index.json}), {@code
 * config.json} and the tokenizer files. Immutable: every option returns a modified copy.
 *
 * <p>Guarantees: tensors are streamed in chunks (the model never needs to fit in memory); floats are
 * narrowed with round-to-nearest-even; headers are padded to 8 bytes; the whole directory is written
 * under a temporary name, fsynced and renamed, so a crash never leaves a half-written checkpoint
 * under the final name.
 *
 * <p>Defaults: keep each tensor's dtype, no sharding, metadata {@code {"format": "pt"}} (what
 * transformers requires), refuse to replace an existing non-empty directory.
 *
 * @param directory the checkpoint directory to create
 * @param dtype output dtype of floating-point tensors; null keeps each tensor's own
 * @param maxShardSize largest shard in bytes (a bigger single tensor gets its own shard); {@code
 *     Long.MAX_VALUE} for one file
 * @param metadata {@code __metadata__} of every file
 * @param config written as {@code config.json} if present (takes precedence over a copied one)
 * @param copyFrom a checkpoint whose config.json (with {@code torch_dtype} updated) and tokenizer /
 *     generation files are copied
 * @param overwrite replace an existing non-empty directory (the old one is removed only after the
 *     new one is in place)
 * @param progress told of bytes written; never null
 * @param extraFiles files copied into the checkpoint under their own names (e.g. a tokenizer.json)
 * @param tokenizerFrom a checkpoint whose tokenizer files (tokenizer.json, tokenizer_config.json with
 *     its chat template, special_tokens_map.json, chat_template.jinja …), generation_config.json and
 *     config.json special-token ids ({@code bos_token_id}, {@code eos_token_id}, {@code
 *     pad_token_id}) replace those of {@code copyFrom}; empty: all from {@code copyFrom}. A chat
 *     vector's output takes the instruction-tuned model's, so it stops at its end-of-turn token
 */
public record CheckpointWriter(
    Path directory,
    DType dtype,
    long maxShardSize,
    Map<String, String> metadata,
    Optional<ModelConfig> config,
    Optional<Checkpoint> copyFrom,
    boolean overwrite,
    Progress progress,
    List<Path> extraFiles,
    Optional<Checkpoint> tokenizerFrom) {

  /** Receives bytes written so far out of the total; called from the writing thread. */
  @FunctionalInterface
  public interface Progress {
    void update(long bytesWritten, long totalBytes);

    Progress NONE = (written, total) -> {};
  }

  public CheckpointWriter {
    Objects.requireNonNull(directory, "directory");
    metadata = Map.copyOf(metadata);
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(copyFrom, "copyFrom");
    Objects.requireNonNull(progress, "progress");
    extraFiles = List.copyOf(extraFiles);
    Objects.requireNonNull(tokenizerFrom, "tokenizerFrom");
    if (maxShardSize <= 0) {
      throw new IllegalArgumentException("maxShardSize must be positive, got " + maxShardSize);
    }
  }

  /** A writer for {@code directory} with the defaults above. */
  public static CheckpointWriter to(Path directory) {
    return new CheckpointWriter(
        directory, null, Long.MAX_VALUE, Map.of("format", "pt"), Optional.empty(), Optional.empty(), false,
        Progress.NONE, List.of(), Optional.empty());
  }

  public CheckpointWriter dtype(DType newDtype) {
    if (newDtype != null && !newDtype.isFloatingPoint()) {
      throw new IllegalArgumentException("output dtype must be floating point, got " + newDtype);
    }
    return new CheckpointWriter(directory, newDtype, maxShardSize, metadata, config, copyFrom, overwrite, progress, extraFiles, tokenizerFrom);
  }

  public CheckpointWriter maxShardSize(long bytes) {
    return new CheckpointWriter(directory, dtype, bytes, metadata, config, copyFrom, overwrite, progress, extraFiles, tokenizerFrom);
  }

  /** Adds entries to {@code __metadata__} (the "format" entry stays unless replaced). */
  public CheckpointWriter metadata(Map<String, String> extra) {
    Map<String, String> m = new LinkedHashMap<>(metadata);
    m.putAll(extra);
    return new CheckpointWriter(directory, dtype, maxShardSize, m, config, copyFrom, overwrite, progress, extraFiles, tokenizerFrom);
  }

  public CheckpointWriter config(ModelConfig newConfig) {
    return new CheckpointWriter(
        directory, dtype, maxShardSize, metadata, Optional.of(newConfig), copyFrom, overwrite, progress, extraFiles, tokenizerFrom);
  }

  public CheckpointWriter copyFilesFrom(Checkpoint source) {
    return new CheckpointWriter(
        directory, dtype, maxShardSize, metadata, config, Optional.of(source), overwrite, progress, extraFiles, tokenizerFrom);
  }

  /** Takes tokenizer files, generation_config.json and special-token ids from {@code source}; see {@link #tokenizerFrom}. */
  public CheckpointWriter tokenizerFilesFrom(Checkpoint source) {
    return new CheckpointWriter(directory, dtype, maxShardSize, metadata, config, copyFrom, overwrite, progress,
        extraFiles, Optional.of(source));
  }

  public CheckpointWriter overwrite(boolean replace) {
    return new CheckpointWriter(directory, dtype, maxShardSize, metadata, config, copyFrom, replace, progress, extraFiles, tokenizerFrom);
  }

  public CheckpointWriter progress(Progress listener) {
    return new CheckpointWriter(directory, dtype, maxShardSize, metadata, config, copyFrom, overwrite, listener, extraFiles, tokenizerFrom);
  }

  /** Also copies {@code file} into the checkpoint under its file name (replacing a copied one). */
  public CheckpointWriter copyFile(Path file) {
    List<Path> files = new java.util.ArrayList<>(extraFiles);
    files.add(file);
    return new CheckpointWriter(directory, dtype, maxShardSize, metadata, config, copyFrom, overwrite, progress, files, tokenizerFrom);
  }

  /**
   * Writes the tensors (in this order) and the auxiliary files. If a config is known (given or
   * copied), the tensors are checked against it before anything is written.
   *
   * @return the files written
   * @throws CheckpointException if the directory exists (without overwrite), a name repeats, or an
   *     I/O error occurs; nothing is left under the final name then
   */
  public List<Path> write(List<? extends Tensor> tensors) {
    return Providers.format().writeCheckpoint(this, tensors);
  }
}
