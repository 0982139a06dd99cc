package io.cpt4j.eval.internal.scoring;

import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Scorer} over a checkpoint on a training backend. Each request becomes a {@link Window}
 * (lm-evaluation-harness's truncation rule); the windows go longest first into forward passes,
 * packed several a row ({@link RowPacker#packed}, rows of at least {@link #ROW_TARGET} positions)
 * or one a right-padded row ({@link RowPacker#padded}), and each pass is one {@link
 * TrainingSession#tokenScores} call: per position the float32 NLL of the continuation token and
 * the argmax of the logits, the LM head applied to the continuation positions alone. A request's
 * logprob is minus the sum of its NLLs in double; it is greedy when every argmax is its token.
 *
 * <p>A packed window is a document of its row (positions restart, block-diagonal causal mask), so
 * it gets the logits it gets alone, up to float rounding: packing changes speed, not answers.
 *
 * <p>Not thread-safe. Owns the session: {@link #close()} closes it.
 */
final class CheckpointScorer implements Scorer {
  /**
   * The shortest packed row: short requests share rows of this many positions (or of the longest
   * request of the pass, if longer; never more than the model's context). Longer rows hold more
   * requests a pass but spend attention on masked pairs across documents, quadratic in the row.
   */
  static final int ROW_TARGET = 256;

  private final TrainingSession session;
  private final Options options;
  private boolean closed;

  CheckpointScorer(TrainingSession session, Options options) {
    this.session = Objects.requireNonNull(session, "session");
    this.options = Objects.requireNonNull(options, "options");
  }

  @Override
  public ModelConfig config() {
    return session.config();
  }

  @Override
  public int maxLength() {
    return session.config().maxPositionEmbeddings();
  }

  @Override
  public List<Loglikelihood> score(List<LoglikelihoodRequest> requests) {
    if (closed) {
      throw new IllegalStateException("the scorer is closed");
    }
    List<Window> sorted = RowPacker.longestFirst(Window.of(Objects.requireNonNull(requests, "requests"),
        maxLength(), config().vocabSize()));
    List<Layout> passes = options.packed()
        ? RowPacker.packed(sorted, maxLength(), options.batchTokens(), ROW_TARGET)
        : RowPacker.padded(sorted, options.batchTokens());
    Loglikelihood[] answers = new Loglikelihood[requests.size()];
    for (Layout pass : passes) {
      pass.collect(session.tokenScores(pass.toBatch()), answers);
    }
    return List.of(answers);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      session.close();
    }
  }
}
