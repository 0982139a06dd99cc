package io.cpt4j.backend;

import io.cpt4j.checkpoint.Checkpoint;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How a {@link TrainingSession} computes: precision, optimizer, activation checkpointing, the
 * seed of anything random, which parameters train and the regularizers. Immutable and thread-safe; built with {@link #builder()} (or {@link
 * #defaults()}), modified copies through {@link #newBuilder()}:
 *
 * <pre>{@code
 * SessionOptions fp16 = SessionOptions.builder().precision(Precision.FP16_MIXED).build();
 * SessionOptions fp16Ckpt = fp16.newBuilder().activationCheckpointing(true).build();
 * }</pre>
 *
 * @param precision FP32 (default) or FP16_MIXED
 * @param optimizer AdamW settings (default {@link AdamW#defaults()})
 * @param lossScaling used with FP16_MIXED (default {@link LossScaling#defaults()})
 * @param activationCheckpointing keep only each block's input during forward and recompute the
 *     block during backward: less memory, about one extra forward of compute (default off)
 * @param seed seed for anything random in the session (default 0)
 * @param trainable which parameters are updated (default {@link Trainable#all()}); the others are
 *     frozen: no gradient, no optimizer state, bit-identical after training
 * @param regularizers terms added to the loss against forgetting (default none); at most one of
 *     each {@link Regularizer.Kind}
 */
public record SessionOptions(Precision precision, AdamW optimizer, LossScaling lossScaling,
    boolean activationCheckpointing, long seed, Trainable trainable, List<Regularizer> regularizers) {

  public SessionOptions {
    Objects.requireNonNull(precision, "precision");
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(lossScaling, "lossScaling");
    Objects.requireNonNull(trainable, "trainable");
    regularizers = List.copyOf(Objects.requireNonNull(regularizers, "regularizers"));
    Set<Regularizer.Kind> kinds = EnumSet.noneOf(Regularizer.Kind.class);
    for (Regularizer r : regularizers) {
      if (!kinds.add(r.kind())) {
        throw new IllegalArgumentException("two " + r.kind().key() + " regularizers: give one of each kind");
      }
    }
  }

  /** Whether some regularizer needs a frozen copy of the base ({@link Backend#open(Checkpoint, Checkpoint, SessionOptions)}). */
  public boolean needsReference() {
    return !regularizers.isEmpty();
  }

  /**
   * FP32, {@link AdamW#defaults()}, {@link LossScaling#defaults()}, no activation checkpointing,
   * seed 0, every parameter trainable, no regularizers.
   */
  public static SessionOptions defaults() {
    return builder().build();
  }

  /** A builder holding the defaults (see {@link #defaults()}). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these options, for a modified copy; this value is unchanged. */
  public Builder newBuilder() {
    return new Builder().precision(precision).optimizer(optimizer).lossScaling(lossScaling)
        .activationCheckpointing(activationCheckpointing).seed(seed).trainable(trainable).regularizers(regularizers);
  }

  /**
   * Collects {@link SessionOptions}; the one place their defaults live (see the record's
   * components). Not thread-safe.
   */
  public static final class Builder {
    private Precision precision = Precision.FP32;
    private AdamW optimizer = AdamW.defaults();
    private LossScaling lossScaling = LossScaling.defaults();
    private boolean activationCheckpointing;
    private long seed;
    private Trainable trainable = Trainable.all();
    private List<Regularizer> regularizers = List.of();

    private Builder() {}

    public Builder precision(Precision p) { this.precision = Objects.requireNonNull(p, "precision"); return this; }
    public Builder optimizer(AdamW o) { this.optimizer = Objects.requireNonNull(o, "optimizer"); return this; }
    public Builder lossScaling(LossScaling s) {
      this.lossScaling = Objects.requireNonNull(s, "lossScaling");
      return this;
    }

    public Builder activationCheckpointing(boolean on) { this.activationCheckpointing = on; return this; }
    public Builder seed(long s) { this.seed = s; return this; }
    public Builder trainable(Trainable t) { this.trainable = Objects.requireNonNull(t, "trainable"); return this; }
    public Builder regularizers(List<Regularizer> r) {
      this.regularizers = List.copyOf(Objects.requireNonNull(r, "regularizers"));
      return this;
    }

    public SessionOptions build() {
      return new SessionOptions(precision, optimizer, lossScaling, activationCheckpointing, seed, trainable,
          regularizers);
    }
  }
}
