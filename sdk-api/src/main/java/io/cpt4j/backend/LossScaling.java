package io.cpt4j.backend;

/**
 * Dynamic loss scaling for {@link Precision#FP16_MIXED}, as in PyTorch's {@code GradScaler}: the
 * loss is multiplied by {@code scale} before backward; if any gradient is then infinite or NaN the
 * step is skipped and the scale multiplied by {@code backoffFactor}; after {@code growthInterval}
 * clean steps in a row it is multiplied by {@code growthFactor}. Immutable and thread-safe.
 *
 * <p>Built with {@link #builder()} (or {@link #defaults()}); {@link #newBuilder()} for a modified
 * copy, e.g. {@code LossScaling.defaults().newBuilder().growthInterval(500).build()}.
 *
 * @param initialScale starting scale (default 65536)
 * @param growthFactor factor after a run of clean steps (default 2)
 * @param backoffFactor factor after an overflow (default 0.5)
 * @param growthInterval clean steps before growing (default 2000)
 */
public record LossScaling(double initialScale, double growthFactor, double backoffFactor, int growthInterval) {

  public LossScaling {
    if (!(initialScale > 0) || Double.isInfinite(initialScale)) {
      throw new IllegalArgumentException("initialScale must be positive and finite, got " + initialScale);
    }
    if (!(growthFactor >= 1)) {
      throw new IllegalArgumentException("growthFactor must be >= 1, got " + growthFactor);
    }
    if (!(backoffFactor > 0 && backoffFactor < 1)) {
      throw new IllegalArgumentException("backoffFactor must be in (0, 1), got " + backoffFactor);
    }
    if (growthInterval < 1) {
      throw new IllegalArgumentException("growthInterval must be >= 1, got " + growthInterval);
    }
  }

  /** PyTorch's defaults: 65536, ×2 every 2000 clean steps, ×0.5 on overflow. */
  public static LossScaling defaults() {
    return builder().build();
  }

  /** A builder holding the defaults (see {@link #defaults()}). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, for a modified copy; this value is unchanged. */
  public Builder newBuilder() {
    return new Builder().initialScale(initialScale).growthFactor(growthFactor).backoffFactor(backoffFactor)
        .growthInterval(growthInterval);
  }

  /**
   * Collects {@link LossScaling} settings; the one place their defaults live (see the record's
   * components). {@link #build()} checks them. Not thread-safe.
   */
  public static final class Builder {
    private double initialScale = 65536;
    private double growthFactor = 2;
    private double backoffFactor = 0.5;
    private int growthInterval = 2000;

    private Builder() {}

    public Builder initialScale(double scale) { this.initialScale = scale; return this; }
    public Builder growthFactor(double factor) { this.growthFactor = factor; return this; }
    public Builder backoffFactor(double factor) { this.backoffFactor = factor; return this; }
    public Builder growthInterval(int steps) { this.growthInterval = steps; return this; }

    /**
     * The settings.
     *
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public LossScaling build() {
      return new LossScaling(initialScale, growthFactor, backoffFactor, growthInterval);
    }
  }
}
