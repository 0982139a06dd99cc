package io.cpt4j.eval;

/**
 * One evaluation of one validation set: the loss of the model after {@code step} optimizer steps.
 * Immutable and thread-safe.
 *
 * <p>The loss is the token-weighted mean next-token negative log-likelihood, in nats, over the
 * set's fixed validation batches; step 0 is the model before any update. A validation loss is finite
 * and non-negative: NaN, infinite and negative losses are refused, so a diverged evaluation is an
 * error the caller sees rather than a point that silently poisons every derived metric.
 *
 * @param step optimizer steps taken before the evaluation (0 = before any update)
 * @param tokens training tokens consumed before the evaluation
 * @param loss mean next-token NLL in nats, finite and &ge; 0
 */
public record EvalPoint(long step, long tokens, double loss) {
  public EvalPoint {
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, got " + step);
    }
    if (tokens < 0) {
      throw new IllegalArgumentException("tokens must be >= 0, got " + tokens + " (step " + step + ")");
    }
    if (!(loss >= 0) || Double.isInfinite(loss)) {
      throw new IllegalArgumentException("a validation loss must be finite and >= 0, got " + loss + " at step " + step);
    }
  }

  /** {@code exp(loss)}: the perplexity of the validation tokens. */
  public double perplexity() {
    return Math.exp(loss);
  }
}
