package io.cpt4j.data;

/**
 * Per-source limits inside a {@link Mixture}. Immutable and thread-safe; built with {@link
 * #builder()} (or {@link #none()}), modified copies through {@link #newBuilder()}:
 * {@code Limits.builder().tokenBudget(50_000_000).build()} (exhausted sources are then dropped).
 *
 * <p>A source is <em>exhausted</em> when a pass over its documents ends (its last document's EOS is
 * placed) and {@code epochs} passes are done, or when it has contributed {@code tokenBudget} tokens
 * (never more: the row in which the budget is met ends there, the rest is padding). Then {@code
 * onExhausted} decides: {@link Exhaustion#RESTART} starts another pass (reshuffled), {@link
 * Exhaustion#STOP} ends the whole mixture, {@link Exhaustion#DROP} removes the source and
 * renormalises the others' weights. RESTART with a finite limit would ignore the limit, so it is
 * refused: a budget or more than one epoch needs STOP or DROP.
 *
 * <p>Defaults ({@link #none()}): no budget, all documents, one epoch, RESTART — the source repeats,
 * reshuffled, for as long as the run needs it. With a budget or more than one epoch the default
 * action is DROP. A dataset that declares its order ({@link TokenDataset#ordered()}) is never
 * shuffled: every pass reads it (or its subset) in stored order.
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

  /** No limits: every document, one epoch, no budget, RESTART; {@code builder().build()}. */
  public static Limits none() {
    return builder().build();
  }

  /** A builder holding the defaults (see {@link #none()} and {@link Builder}). */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder holding these limits, for a modified copy; this value is unchanged. A RESTART action
   * is held as the default action (it is only valid without a limit), so a limit set on the copy
   * switches it to DROP as on a new builder; STOP and DROP are kept.
   */
  public Builder newBuilder() {
    return new Builder().tokenBudget(tokenBudget).subsetDocuments(subsetDocuments).epochs(epochs)
        .onExhausted(onExhausted == Exhaustion.RESTART ? null : onExhausted);
  }

  /**
   * Collects {@link Limits}; the one place their defaults live: no budget, all documents, one epoch,
   * and an action that follows the limits unless set: RESTART without a limit, DROP with a token
   * budget or more than one epoch (RESTART would ignore them). Set STOP (or DROP) with {@link
   * #onExhausted}. {@link #build()} checks them. Not thread-safe.
   */
  public static final class Builder {
    private long tokenBudget;
    private int subsetDocuments;
    private int epochs = 1;
    private Exhaustion onExhausted;

    private Builder() {}

    /** Tokens the source may contribute; 0 (the default) for no budget. */
    public Builder tokenBudget(long tokens) { this.tokenBudget = tokens; return this; }

    /** Use only this many documents (a seeded random choice, the same in every pass); 0 (the default) for all. */
    public Builder subsetDocuments(int documents) { this.subsetDocuments = documents; return this; }

    /** Passes over the documents before the source is exhausted, at least 1 (the default). */
    public Builder epochs(int passes) { this.epochs = passes; return this; }

    /** What happens when the source is exhausted; null (the default) follows the limits, see {@link Builder}. */
    public Builder onExhausted(Exhaustion action) { this.onExhausted = action; return this; }

    /**
     * The limits.
     *
     * @throws IllegalArgumentException naming the first limit out of range, or when RESTART was set
     *     together with a token budget or more than one epoch
     */
    public Limits build() {
      Exhaustion action = onExhausted != null ? onExhausted
          : tokenBudget > 0 || epochs > 1 ? Exhaustion.DROP : Exhaustion.RESTART;
      return new Limits(tokenBudget, subsetDocuments, epochs, action);
    }
  }
}
