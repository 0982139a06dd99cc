package io.cpt4j.checkpoint;

import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Single safetensors files, outside a checkpoint directory (task vectors, adapters, exports).
 * Stateless and thread-safe.
 */
public final class Safetensors {
  private Safetensors() {}

  /**
   * Memory-maps and validates one {@code .safetensors} file or a {@code *.safetensors.index.json}.
   *
   * @throws MalformedCheckpointException naming the file and the defect
   * @throws UnsafeFormatException for a PyTorch pickle file
   */
  public static TensorStore open(Path file) {
    return Providers.format().openSafetensors(file);
  }

  /**
   * Writes one safetensors file atomically (temp file, fsync, rename), streaming each tensor.
   *
   * @param dtype dtype of floating-point tensors in the file, or null to keep each tensor's own
   * @param metadata the {@code __metadata__} map (may be empty)
   */
  public static void write(Path file, List<? extends Tensor> tensors, DType dtype, Map<String, String> metadata) {
    Providers.format().writeSafetensors(file, tensors, dtype, metadata);
  }
}
