package io.cpt4j.checkpoint;

import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Hugging Face-format checkpoint on disk: {@code config.json}, {@code model.safetensors} or
 * shards with {@code model.safetensors.index.json}, and optionally {@code tokenizer.json}. Opening
 * reads and validates the headers, the config and the tensor set; tensor data is memory-mapped and
 * read lazily, so opening a multi-GB checkpoint costs almost nothing.
 *
 * <p>Thread-safety: all methods may be called from several threads; {@link #close()} must not race
 * with reads (tensors become invalid once it returns).
 */
public interface Checkpoint extends TensorStore {

  /**
   * Opens a checkpoint directory.
   *
   * @throws UnsafeFormatException if the directory only holds PyTorch pickle files
   * @throws MalformedCheckpointException if a safetensors file or the index is broken
   * @throws ConfigException if config.json is invalid or does not match the tensors
   * @throws CheckpointException if the path does not exist or is not readable
   */
  static Checkpoint open(Path directory) {
    return io.cpt4j.spi.Providers.format().open(directory);
  }

  /** The directory this checkpoint was opened from. */
  Path directory();

  /** The parsed {@code config.json}. */
  ModelConfig config();

  /**
   * The checkpoint's {@code tokenizer.json}, loaded on first call (no truncation, no padding, no
   * special tokens added), or empty if the directory has none.
   *
   * @throws CheckpointException if tokenizer.json exists but cannot be loaded
   */
  Optional<Tokenizer> tokenizer();

  /** Number of parameters: elements of all tensors except non-parameter buffers. */
  default long parameterCount() {
    long n = 0;
    for (TensorInfo t : tensors()) {
      if (!ModelConfig.isKnownBuffer(t.name())) {
        n += t.elementCount();
      }
    }
    return n;
  }

  /** Unmaps the files and releases the tokenizer. Idempotent. */
  @Override
  void close();
}
