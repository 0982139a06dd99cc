package io.cpt4j.data;

/**
 * Per-source limits inside a {@link Mixture}. Immutable.
 *
 * <p>A source is <em>exhausted</em> when a pass over its documents ends (its last document's EOS is
 * placed) and {@code epochs} passes are done, or when it has contributed {@code tokenBudget} tokens
 * (never more: the row in which the budget is met ends there, the rest is padding). Then {@code
 * onExhausted} decides: {@link Exhaustion#RESTART} starts another pass (reshuffled), {@link
 * Exhaustion#STOP} ends the whole mixture, {@link Exhaustion#DROP} removes the source and
 * renormalises the others' weights. RESTART with a finite limit would ignore the limit, so it is refused: a budget or more
 * than one epoch needs STOP or DROP.
 *
 * <p>Defaults ({@link #none()}): no budget, all documents, one epoch, RESTART — the source repeats,
 * reshuffled, for as long as the run needs it.
 *
 * @param tokenBudget tokens this source may contribute, 0 for no budget
 * @param subsetDocuments use only this many documents (a seeded random choice, the same in every
 *     pass), 0 for all: the "proper-size subset for multiple epochs" of the stability-gap study
 * @param epochs passes over the documents before the source is exhausted, at least 1
 * @param onExhausted what happens then
 */
public record Limits(long tokenBudget, int subsetDocuments, int epochs, Exhaustion onExhausted) {
  /** What a mixture does with an exhausted source. */
  public enum Exhaustion {
    /** End the mixture: {@link MixtureSampler#hasNext()} becomes false. */
    STOP,
    /** Start another pass over the documents. */
    RESTART,
    /** Remove the source; the remaining weights are renormalised. */
    DROP
  }

  public Limits {
    if (tokenBudget < 0 || subsetDocuments < 0) {
      throw new IllegalArgumentException("token budget and subset size must be >= 0");
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (onExhausted == null) {
      throw new IllegalArgumentException("onExhausted must not be null");
    }
    if (onExhausted == Exhaustion.RESTART && (tokenBudget > 0 || epochs > 1)) {
      throw new IllegalArgumentException("a token budget or more than one epoch needs onExhausted STOP or DROP: "
          + "RESTART would ignore the limit");
    }
  }

  public static Limits none() {
    return new Limits(0, 0, 1, Exhaustion.RESTART);
  }

  /** With a token budget; a RESTART action becomes DROP (set STOP with {@link #onExhausted}). */
  public Limits tokenBudget(long tokens) {
    return new Limits(tokens, subsetDocuments, epochs, onExhausted == Exhaustion.RESTART ? Exhaustion.DROP : onExhausted);
  }

  /**
   * A fixed subset of {@code documents} documents repeated for {@code passes} epochs; with more than
   * one pass a RESTART action becomes DROP (set STOP with {@link #onExhausted}).
   */
  public Limits subset(int documents, int passes) {
    return new Limits(tokenBudget, documents, passes,
        passes > 1 && onExhausted == Exhaustion.RESTART ? Exhaustion.DROP : onExhausted);
  }

  public Limits onExhausted(Exhaustion action) {
    return new Limits(tokenBudget, subsetDocuments, epochs, action);
  }
}
