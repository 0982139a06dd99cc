package io.cpt4j.onnx;

import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.spi.Providers;
import java.nio.file.Path;

/**
 * A model exported by {@link OnnxExport}, loaded into an ONNX Runtime session on the CPU.
 *
 * <pre>{@code
 * try (OrtModel model = OrtModel.load(Path.of("models/finance-instruct-onnx"))) {
 *   Logits logits = model.logits(new int[][] {{1, 306, 4658}});
 * }
 * }</pre>
 *
 * <p>Thread-safety: {@link #forward} and {@link #logits} may be called from several threads at once
 * (ONNX Runtime sessions are thread-safe); a {@link KvCache} belongs to one caller. {@link #close()}
 * must not race with calls.
 */
public interface OrtModel extends AutoCloseable {

  /**
   * Loads an exported directory ({@code model.onnx}, {@code config.json}; {@code
   * model.onnx_data} if the weights are external) with ONNX Runtime's default thread count and all
   * graph optimizations.
   *
   * @throws OnnxException if a file is missing or ONNX Runtime cannot load the model
   */
  static OrtModel load(Path directory) {
    return load(directory, 0);
  }

  /**
   * Loads an exported directory with {@code threads} intra-op threads (0: ONNX Runtime's default,
   * one per physical core).
   *
   * @throws OnnxException if a file is missing or ONNX Runtime cannot load the model
   * @throws IllegalArgumentException if {@code threads} is negative
   */
  static OrtModel load(Path directory, int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0 (0 = ONNX Runtime's default), got " + threads);
    }
    return Providers.onnx().load(directory, threads);
  }

  /** The directory the model was loaded from. */
  Path directory();

  /** The exported model's {@code config.json}. */
  ModelConfig config();

  /**
   * The decoding defaults the model ships in {@code generation_config.json}, with transformers'
   * semantics: greedy unless {@code do_sample} is true (then its temperature, top-k (default 50)
   * and top-p), its {@code repetition_penalty}, its {@code eos_token_id} list as stop tokens (else
   * config.json's), its {@code max_new_tokens} (else 128). Override fields with the withers.
   *
   * @throws io.cpt4j.checkpoint.CheckpointException if the file is malformed
   */
  Generation generationDefaults();

  /** Whether the graph takes {@code past_key_values} and returns {@code present} tensors. */
  boolean hasKvCache();

  /**
   * One forward pass. With a cache model, {@code past} is the cache of the previous call (its
   * length must equal {@code inputs.totalLength() - inputs.length()}), or null for an empty one.
   *
   * @throws OnnxException if the inputs do not fit the model or the cache, or ONNX Runtime fails
   */
  Forward forward(OrtInputs inputs, KvCache past);

  /** Logits of rows of equal length, no padding, no cache (any cache returned is closed). */
  default Logits logits(int[][] ids) {
    Forward f = forward(OrtInputs.of(ids), null);
    f.cache().ifPresent(KvCache::close);
    return f.logits();
  }

  /**
   * Generates a continuation of {@code prompt}: with the key/value cache the prompt is processed
   * once and each new token costs one single-token forward; without it every step re-runs the
   * whole sequence. Stops after {@link Generation#maxNewTokens()}, at a stop token (which is
   * included), or at the model's context length.
   *
   * @param onToken told of each new token as soon as it is chosen (for streaming); may be null
   * @return the new tokens, without the prompt
   * @throws OnnxException if the prompt is empty, has ids outside the vocabulary, or fills the context
   */
  int[] generate(int[] prompt, Generation generation, java.util.function.IntConsumer onToken);

  /** {@link #generate(int[], Generation, java.util.function.IntConsumer)} without streaming. */
  default int[] generate(int[] prompt, Generation generation) {
    return generate(prompt, generation, null);
  }

  /**
   * The assistant's reply to a conversation, in the model's own chat format: the messages rendered
   * with its chat template and the generation prompt ({@link io.cpt4j.tokenize.ChatTemplate}),
   * encoded with its {@code tokenizer.json} as transformers' {@code apply_chat_template(...,
   * tokenize=True)}, continued with {@code generation} (take {@link #generationDefaults()} for the
   * model's own decoding settings), and decoded without the final stop token.
   *
   * @throws OnnxException if the directory has no tokenizer.json or chat template
   * @throws io.cpt4j.tokenize.ChatTemplateException if the template rejects the conversation
   */
  default String chat(java.util.List<io.cpt4j.tokenize.ChatMessage> messages, Generation generation) {
    Path tokenizerFile = directory().resolve("tokenizer.json");
    if (!java.nio.file.Files.isRegularFile(tokenizerFile)) {
      throw new OnnxException(directory() + " has no tokenizer.json: chat needs the model's tokenizer");
    }
    io.cpt4j.tokenize.ChatTemplate template = io.cpt4j.tokenize.ChatTemplate.of(directory())
        .orElseThrow(() -> new OnnxException(directory() + " has no chat template (chat_template.jinja or"
            + " tokenizer_config.json's chat_template)"));
    try (io.cpt4j.tokenize.Tokenizer tokenizer = io.cpt4j.tokenize.Tokenizer.open(tokenizerFile)) {
      int[] reply = generate(template.encode(tokenizer, messages, true), generation);
      java.util.List<Integer> stops = generation.stopTokens() != null ? generation.stopTokens() : config().eosTokenIds();
      int n = reply.length > 0 && stops.contains(reply[reply.length - 1]) ? reply.length - 1 : reply.length;
      return tokenizer.decode(java.util.Arrays.copyOf(reply, n));
    }
  }

  /**
   * Negative log-likelihood (nats) of each token given the ones before it: {@code nll[i] = -log
   * p(tokens[i + 1] | tokens[0..i])}, so {@code tokens.length - 1} values; their mean is the log of
   * the perplexity. A sequence longer than the context length is scored with a sliding window of the
   * context length advanced by half of it: every token is scored once, with at least half a context
   * of history (the first window's tokens with all that precedes them). With the key/value cache a
   * window is fed in chunks, so memory holds the logits of one chunk, not of the window.
   *
   * @throws OnnxException if there are fewer than 2 tokens or an id is outside the vocabulary
   */
  float[] tokenNll(int[] tokens);

  /** Releases the session. Idempotent. */
  @Override
  void close();
}
