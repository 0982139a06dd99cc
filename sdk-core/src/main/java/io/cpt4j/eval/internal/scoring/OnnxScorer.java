package io.cpt4j.eval.internal.scoring;

import io.cpt4j.backend.TokenScores;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.eval.GenerationRequest;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import io.cpt4j.onnx.Forward;
import io.cpt4j.onnx.Generation;
import io.cpt4j.onnx.KvCache;
import io.cpt4j.onnx.OrtInputs;
import io.cpt4j.onnx.OrtModel;
import io.cpt4j.onnx.internal.OrtGeneration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Scorer} over an exported ONNX model on ONNX Runtime: the {@link Window}s of the
 * requests (lm-evaluation-harness's truncation), longest first, one window a row, right-padded to
 * the longest of the pass, {@link OrtModel#forward} once a pass; the log-softmax and argmax of the
 * continuation positions are computed from the returned logits, in double
 * ({@link TokenScores#fromLogits}).
 *
 * <p>No packing: the exported graph takes a 2-D padding mask ({@code attention_mask [rows,
 * length]}) and builds a causal mask over the whole row from it, so two requests in one row would
 * attend to each other, and a shared context cannot be expressed either. {@link Options#packed()}
 * is therefore ignored here. The graph returns the
 * logits of every position, so a pass is also capped at {@link #LOGITS_PER_PASS} logits (at least
 * one row): {@code rows × length ≤ min(batchTokens, LOGITS_PER_PASS / vocab)}.
 *
 * <p>Not thread-safe. Owns the model: {@link #close()} closes it.
 */
final class OnnxScorer implements Scorer {
  /** Logits one pass may return: 2^27 floats (512 MiB). */
  static final long LOGITS_PER_PASS = 1L << 27;

  private final OrtModel model;
  private final Options options;
  private boolean closed;

  OnnxScorer(OrtModel model, Options options) {
    this.model = Objects.requireNonNull(model, "model");
    this.options = Objects.requireNonNull(options, "options");
  }

  @Override
  public ModelConfig config() {
    return model.config();
  }

  @Override
  public int maxLength() {
    return model.config().maxPositionEmbeddings();
  }

  @Override
  public List<Loglikelihood> score(List<LoglikelihoodRequest> requests) {
    if (closed) {
      throw new IllegalStateException("the scorer is closed");
    }
    int vocab = config().vocabSize();
    List<Window> windows = Window.of(Objects.requireNonNull(requests, "requests"), maxLength(), vocab);
    int tokens = (int) Math.max(1, Math.min(options.batchTokens(), LOGITS_PER_PASS / vocab));
    Loglikelihood[] answers = new Loglikelihood[requests.size()];
    for (Layout pass : RowPacker.padded(windows, tokens)) {
      Forward f = model.forward(inputs(pass), null);
      f.cache().ifPresent(KvCache::close);
      pass.collect(TokenScores.fromLogits(pass.toPass().batch(), f.logits().values()), answers);
    }
    return List.of(answers);
  }

  /**
   * Greedy generation one request at a time ({@link OrtGeneration}): with the key/value cache the
   * prompt is run once and each new token costs a one-token step; without it every step re-runs the
   * sequence.
   */
  @Override
  public List<int[]> generate(List<GenerationRequest> requests) {
    if (closed) {
      throw new IllegalStateException("the scorer is closed");
    }
    Objects.requireNonNull(requests, "requests");
    int vocab = config().vocabSize();
    int[][] prompts = new int[requests.size()][];
    for (int i = 0; i < prompts.length; i++) { // every request checked before the first is run
      prompts[i] = GreedyDecoding.prompt(i, requests.get(i), maxLength(), vocab);
    }
    List<int[]> out = new ArrayList<>(prompts.length);
    for (int i = 0; i < prompts.length; i++) {
      GenerationRequest r = requests.get(i);
      Generation greedy = Generation.builder().maxNewTokens(r.maxTokens()).stopTokens(r.stopTokens()).build();
      out.add(OrtGeneration.generate(model, prompts[i], greedy, null, r.until()));
    }
    return out;
  }

  /** One window a row from position 0, right-padded: mask 1 on the window, 0 on the padding. */
  private static OrtInputs inputs(Layout pass) {
    int n = pass.rows() * pass.length();
    long[] ids = new long[n];
    long[] mask = new long[n];
    long[] positions = new long[n];
    Arrays.fill(ids, Layout.PAD);
    for (Layout.Placement p : pass.placements()) {
      int[] input = p.unit().members().getFirst().input();
      int o = p.row() * pass.length() + p.start();
      for (int t = 0; t < input.length; t++) {
        ids[o + t] = input[t];
        mask[o + t] = 1;
        positions[o + t] = t;
      }
    }
    return new OrtInputs(pass.rows(), pass.length(), ids, mask, positions);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      model.close();
    }
  }
}
