package io.cpt4j.eval;

import io.cpt4j.backend.Backend;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Answers loglikelihood requests with a model: a checkpoint on a training backend (CPU or GPU) or
 * an exported ONNX directory on ONNX Runtime. Requests are batched; with {@link Options#packed()}
 * (the default) several short requests share one row, separated by the block-diagonal document
 * mask that training uses (prepacking), which gives the same log-probabilities as one request a row.
 *
 * <p>Not thread-safe: one caller at a time. Close it to release the model.
 */
public interface Scorer extends AutoCloseable {

  /**
   * How requests are batched.
   *
   * @param packed several requests a row (default true) instead of one padded row each
   * @param batchTokens tokens per forward pass (rows × row length), default 8192
   * @param threads CPU threads (0 = one per core for a checkpoint, ONNX Runtime's default for ONNX)
   */
  record Options(boolean packed, int batchTokens, int threads) {
    public Options {
      if (batchTokens < 1) {
        throw new IllegalArgumentException("batchTokens must be >= 1, got " + batchTokens);
      }
      if (threads < 0) {
        throw new IllegalArgumentException("threads must be >= 0, got " + threads);
      }
    }

    /** Packed rows of 8,192 tokens, default threads. */
    public static Options defaults() {
      return new Options(true, 8192, 0);
    }
  }

  /**
   * A scorer for {@code model}: an exported ONNX directory when it holds {@code model.onnx}, else a
   * checkpoint on the CPU backend.
   */
  static Scorer open(Path model, Options options) {
    return Providers.scorer().open(Objects.requireNonNull(model, "model"), null, options);
  }

  /** {@link #open(Path, Options)} with default options. */
  static Scorer open(Path model) {
    return open(model, Options.defaults());
  }

  /** A scorer for the checkpoint {@code model} on {@code backend} (e.g. {@code Backends.gpu()}). */
  static Scorer open(Path model, Backend backend, Options options) {
    return Providers.scorer().open(Objects.requireNonNull(model, "model"), Objects.requireNonNull(backend, "backend"),
        options);
  }

  /** The model's configuration (vocabulary size, context length, special tokens). */
  ModelConfig config();

  /** The longest request scored whole; longer ones lose context tokens from the left. */
  int maxLength();

  /** One answer per request, in order. */
  List<Loglikelihood> score(List<LoglikelihoodRequest> requests);

  @Override
  void close();
}
