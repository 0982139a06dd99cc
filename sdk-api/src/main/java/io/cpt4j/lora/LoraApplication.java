package io.cpt4j.lora;

import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.spi.Providers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Merges a PEFT LoRA adapter into its base: each adapted weight becomes W + s · B · A (s the
 * module's {@link LoraAdapter#scaling}, the product accumulated in float64 and added in float32),
 * every other tensor is copied, and the checkpoint is written like every cpt4j writer does (under a
 * temporary name, then renamed), with the base's config, tokenizer and generation files.
 *
 * <pre>{@code
 * LoraApplication.of(Path.of("models/base"), Path.of("adapters/finance")).writeTo(Path.of("models/finance"));
 * }</pre>
 *
 * <p>Defaults: each tensor keeps the base's dtype; an existing non-empty output refused. Immutable;
 * thread-safe.
 *
 * @param base the checkpoint the adapter was made for
 * @param adapter the adapter directory
 * @param dtype output dtype of floating-point tensors; null keeps the base's
 * @param overwrite replace an existing non-empty output directory
 */
public record LoraApplication(Path base, Path adapter, DType dtype, boolean overwrite) {
  public LoraApplication {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(adapter, "adapter");
    if (dtype != null && !dtype.isFloatingPoint()) {
      throw new IllegalArgumentException("output dtype must be floating point, got " + dtype);
    }
  }

  /** Application of {@code adapter} to {@code base}, with the defaults above. */
  public static LoraApplication of(Path base, Path adapter) {
    return new LoraApplication(base, adapter, null, false);
  }

  /** Output dtype of floating-point tensors (default: keep the base's). */
  public LoraApplication dtype(DType output) {
    return new LoraApplication(base, adapter, output, overwrite);
  }

  /** Replace an existing non-empty output directory (default false: refused). */
  public LoraApplication overwrite(boolean replace) {
    return new LoraApplication(base, adapter, dtype, replace);
  }

  /**
   * Writes the merged checkpoint.
   *
   * @throws LoraException if the adapter's files are missing or unsupported, or a module's factors
   *     do not fit the base weight; nothing is written then
   * @throws CheckpointException if the base cannot be read or the output exists (without {@link
   *     #overwrite}) or cannot be written
   */
  public ApplicationReport writeTo(Path output) {
    return Providers.lora().apply(this, Objects.requireNonNull(output, "output"));
  }

  /**
   * Writes the merged checkpoint to a new temporary directory (for inputs such as a merge's {@code
   * model: path+adapter}); the caller deletes it when done.
   *
   * @return the checkpoint directory
   * @throws LoraException as {@link #writeTo}
   */
  public Path writeToTemporaryDirectory() {
    Path dir;
    try {
      dir = Files.createTempDirectory("cpt4j-lora-");
    } catch (IOException e) {
      throw new CheckpointException(base, "cannot create a temporary directory for the merged adapter: "
          + e.getMessage(), e);
    }
    try {
      writeTo(dir);
    } catch (RuntimeException e) {
      try {
        Files.deleteIfExists(dir);
      } catch (IOException ignored) {
        e.addSuppressed(ignored);
      }
      throw e;
    }
    return dir;
  }
}
