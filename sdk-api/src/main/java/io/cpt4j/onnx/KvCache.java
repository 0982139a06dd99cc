package io.cpt4j.onnx;

/**
 * The key/value cache an {@link OrtModel} returned ({@code present.N.key|value}), to be passed back
 * as {@code past_key_values} of the next call. It holds native ONNX Runtime memory: close it once it
 * has been passed on and is no longer needed. Not thread-safe.
 */
public interface KvCache extends AutoCloseable {

  /** Batch rows. */
  int rows();

  /** Cached positions per row (past + the call's new tokens). */
  int length();

  /** Releases the native tensors. Idempotent. */
  @Override
  void close();
}
