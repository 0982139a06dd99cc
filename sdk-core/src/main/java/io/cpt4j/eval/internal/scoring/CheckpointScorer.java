package io.cpt4j.eval.internal.scoring;

import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.eval.GenerationRequest;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Scorer} over a checkpoint on a training backend. Each request becomes a {@link Window}
 * (lm-evaluation-harness's truncation rule). Packed, windows with the same context share it ({@link
 * RowPacker#shareContexts}) and the units go longest first several a row ({@link RowPacker#packed});
 * otherwise each window gets a right-padded row ({@link RowPacker#padded}). Each pass is one {@link
 * TrainingSession#tokenScores} call: per position the float32 NLL of the continuation token and
 * the argmax of the logits, the LM head applied to the continuation positions alone. A request's
 * logprob is minus the sum of its NLLs in double; it is greedy when every argmax is its token.
 *
 * <p>A packed window is a document of its row (positions restart, block-diagonal causal mask), and
 * a window sharing a context continues the context's document at the positions it has alone, so it
 * gets the logits it gets alone, up to float rounding: packing changes speed, not answers.
 *
 * <p>Not thread-safe. Owns the session, and {@link #close()} closes it, unless it was made to
 * borrow one ({@link CoreScorerProvider#borrowing}): then closing leaves the session open.
 */
final class CheckpointScorer implements Scorer {
  private static final Logger LOG = LoggerFactory.getLogger("io.cpt4j.eval");
  private final TrainingSession session;
  private final Options options;
  private final boolean ownsSession;
  private boolean closed;
  private boolean toldAboutCache;

  CheckpointScorer(TrainingSession session, Options options) {
    this(session, options, true);
  }

  CheckpointScorer(TrainingSession session, Options options, boolean ownsSession) {
    this.session = Objects.requireNonNull(session, "session");
    this.options = Objects.requireNonNull(options, "options");
    this.ownsSession = ownsSession;
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
    List<Window> windows = Window.of(Objects.requireNonNull(requests, "requests"), maxLength(), config().vocabSize());
    List<Layout> passes = options.packed()
        ? RowPacker.packed(RowPacker.shareContexts(windows, maxLength()), options.batchTokens())
        : RowPacker.padded(windows, options.batchTokens());
    Loglikelihood[] answers = new Loglikelihood[requests.size()];
    for (Layout pass : passes) {
      Layout.Pass p = pass.toPass();
      pass.collect(p.shared() ? session.tokenScores(p.batch(), p.prefixOf()) : session.tokenScores(p.batch()), answers);
    }
    return List.of(answers);
  }

  /**
   * Greedy generation without a key/value cache: every step runs each unfinished sequence whole,
   * packed several a row ({@link RowPacker#packed}) or one a row, and takes the argmax after its
   * last token.
   */
  @Override
  public List<int[]> generate(List<GenerationRequest> requests) {
    if (closed) {
      throw new IllegalStateException("the scorer is closed");
    }
    if (!toldAboutCache && requests.stream().anyMatch(r -> r != null && r.maxTokens() > 1)) {
      toldAboutCache = true;
      LOG.info("generating on a checkpoint, which has no key/value cache: every new token re-runs the whole "
          + "sequence; an ONNX export (cpt4j export onnx) generates about 12x faster (BENCHMARKS.md)");
    }
    return GreedyDecoding.run(Objects.requireNonNull(requests, "requests"), maxLength(), config().vocabSize(),
        windows -> {
          List<Layout> passes = options.packed()
              ? RowPacker.packed(windows.stream().map(Unit::of).toList(), options.batchTokens())
              : RowPacker.padded(windows, options.batchTokens());
          int[] next = new int[windows.size()];
          for (Layout pass : passes) {
            pass.collectNext(session.tokenScores(pass.toPass().batch()), next);
          }
          return next;
        });
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (ownsSession) {
        session.close();
      }
    }
  }
}
