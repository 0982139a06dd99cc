package io.cpt4j.checkpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Named tensors backed by one or more memory-mapped safetensors files. Headers are validated when
 * the store is opened; data is read lazily through {@link Tensor}.
 *
 * <p>Thread-safety: reads may happen from several threads; {@link #close()} must not race with them.
 */
public interface TensorStore extends AutoCloseable {

  /** Every tensor, in file order (shard by shard). */
  List<TensorInfo> tensors();

  /**
   * One tensor, lazily readable.
   *
   * @throws CheckpointException naming the tensor if there is none by that name
   */
  Tensor tensor(String name);

  /** Whether a tensor by this name exists. */
  boolean contains(String name);

  /** The {@code __metadata__} of the (first) safetensors file, e.g. {@code format=pt}; may be empty. */
  Map<String, String> metadata();

  /** The safetensors files backing this store, in order. */
  List<Path> files();

  /** Unmaps the files. Idempotent. Tensors handed out before become unreadable. */
  @Override
  void close();
}
