package io.cpt4j.eval;

import io.cpt4j.backend.Backend;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Answers loglikelihood and greedy generation requests with a model: a checkpoint on a training backend (CPU or GPU) or
 * an exported ONNX directory on ONNX Runtime. Requests are batched; with {@link Options#packed()}
 * (the default) several short requests share one row, separated by the block-diagonal document
 * mask that training uses (prepacking), and requests with the same context (the choices of a
 * multiple-choice question) share one copy of it, each continuation attending to the context and
 * to itself: this gives the same log-probabilities as one request a row, up to float rounding, with
 * each context computed once. An ONNX model scores one request a right-padded row whatever the
 * option (its graph takes a padding mask only).
 *
 * <p>Each request is scored as lm-evaluation-harness's {@code HFLM} scores it: the input is {@code
 * (context + continuation)[-(maxLength + 1):][:-1]}, the logprob the sum of the log-softmax of the
 * continuation tokens at the last {@code continuation.length} positions, greedy whether each of
 * them is the argmax there. {@link #maxLength()} is the model's {@code max_position_embeddings}.
 *
 * <p>Not thread-safe: one caller at a time. Close it to release the model.
 */
public interface Scorer extends AutoCloseable {

  /**
   * How requests are batched.
   *
   * @param packed several requests a row and shared contexts computed once (default true) instead
   *     of one right-padded row each, sorted longest first as the harness batches; a checkpoint
   *     only (ONNX always pads)
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

  /**
   * One answer per request, in order.
   *
   * @throws IllegalArgumentException naming the request and the id if a token id is outside the
   *     vocabulary, or naming the request if its continuation alone is longer than {@link
   *     #maxLength()} (the harness refuses it as well)
   * @throws IllegalStateException if the scorer is closed
   */
  List<Loglikelihood> score(List<LoglikelihoodRequest> requests);

  /**
   * Greedy continuations, one per request, in order: each step appends the argmax of the next-token
   * logits (the lowest id on a tie, as {@code torch.argmax}) until the request is {@linkplain
   * GenerationRequest#finished finished}. A context longer than {@code maxLength() - maxTokens}
   * keeps its last tokens. A checkpoint re-runs each sequence every step (no key/value cache), its
   * unfinished sequences packed as {@link #score} packs requests; an ONNX model with a key/value
   * cache feeds one token a step.
   *
   * @return the generated tokens of each request, without the context (a stop token included)
   * @throws IllegalArgumentException naming the request if a token id is outside the vocabulary or
   *     {@code maxTokens} is not below {@link #maxLength()} (the harness refuses it as well)
   * @throws IllegalStateException if the scorer is closed
   */
  List<int[]> generate(List<GenerationRequest> requests);

  @Override
  void close();
}
