package io.cpt4j.backend;

/**
 * AdamW (Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", 2019) with global-norm
 * gradient clipping. The learning rate is not part of it: the caller passes it to every step (a
 * schedule decides it). Immutable and thread-safe.
 *
 * <p>Update for a parameter {@code p} with gradient {@code g} at step {@code t} (1-based): {@code
 * m = β1·m + (1-β1)·g}, {@code v = β2·v + (1-β2)·g²}, {@code p -= lr·(m/(1-β1^t)) /
 * (sqrt(v/(1-β2^t)) + eps) + lr·weightDecay·p}; decay only applies to the decay group.
 *
 * <p>Built with {@link #builder()} (or {@link #defaults()}); {@link #newBuilder()} for a modified
 * copy, e.g. {@code AdamW.defaults().newBuilder().weightDecay(0).build()}.
 *
 * <p>Groups: 1-D parameters (biases, norm weights) never decay; embedding and LM-head matrices
 * decay only if {@code decayEmbeddings}; every other matrix decays.
 *
 * @param beta1 first-moment decay (default 0.9)
 * @param beta2 second-moment decay (default 0.95, the usual choice for LM pre-training)
 * @param eps denominator term (default 1e-8)
 * @param weightDecay decoupled decay coefficient (default 0.1)
 * @param decayEmbeddings whether embeddings and the LM head decay (default true)
 * @param maxGradNorm clip gradients to this global L2 norm; 0 or less disables clipping (default 1.0)
 */
public record AdamW(double beta1, double beta2, double eps, double weightDecay, boolean decayEmbeddings,
    double maxGradNorm) {

  public AdamW {
    if (!(beta1 >= 0 && beta1 < 1)) {
      throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
    }
    if (!(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
    }
    if (!(eps > 0)) {
      throw new IllegalArgumentException("eps must be positive, got " + eps);
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
    }
    if (Double.isNaN(maxGradNorm)) {
      throw new IllegalArgumentException("maxGradNorm must be a number");
    }
  }

  /** β = (0.9, 0.95), eps 1e-8, weight decay 0.1 (embeddings included), clipping at 1.0. */
  public static AdamW defaults() {
    return builder().build();
  }

  /** A builder holding the defaults (see {@link #defaults()}). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, for a modified copy; this value is unchanged. */
  public Builder newBuilder() {
    return new Builder().beta1(beta1).beta2(beta2).eps(eps).weightDecay(weightDecay).decayEmbeddings(decayEmbeddings)
        .maxGradNorm(maxGradNorm);
  }

  /**
   * Collects {@link AdamW} settings; the one place their defaults live (see the record's
   * components). {@link #build()} checks them. Not thread-safe.
   */
  public static final class Builder {
    private double beta1 = 0.9;
    private double beta2 = 0.95;
    private double eps = 1e-8;
    private double weightDecay = 0.1;
    private boolean decayEmbeddings = true;
    private double maxGradNorm = 1.0;

    private Builder() {}

    public Builder beta1(double b) { this.beta1 = b; return this; }
    public Builder beta2(double b) { this.beta2 = b; return this; }
    public Builder eps(double e) { this.eps = e; return this; }
    public Builder weightDecay(double wd) { this.weightDecay = wd; return this; }
    public Builder decayEmbeddings(boolean decay) { this.decayEmbeddings = decay; return this; }
    public Builder maxGradNorm(double norm) { this.maxGradNorm = norm; return this; }

    /**
     * The settings.
     *
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public AdamW build() {
      return new AdamW(beta1, beta2, eps, weightDecay, decayEmbeddings, maxGradNorm);
    }
  }
}
