package io.cpt4j.backend;

import java.util.Objects;

/**
 * How a {@link TrainingSession} computes: precision, optimizer, activation checkpointing and the
 * seed of anything random. Immutable; {@code withX} methods return modified copies.
 *
 * @param precision FP32 (default) or FP16_MIXED
 * @param optimizer AdamW settings (default {@link AdamW#defaults()})
 * @param lossScaling used with FP16_MIXED (default {@link LossScaling#defaults()})
 * @param activationCheckpointing keep only each block's input during forward and recompute the
 *     block during backward: less memory, about one extra forward of compute (default off)
 * @param seed seed for anything random in the session (default 0)
 */
public record SessionOptions(Precision precision, AdamW optimizer, LossScaling lossScaling,
    boolean activationCheckpointing, long seed) {

  public SessionOptions {
    Objects.requireNonNull(precision, "precision");
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(lossScaling, "lossScaling");
  }

  public static SessionOptions defaults() {
    return new SessionOptions(Precision.FP32, AdamW.defaults(), LossScaling.defaults(), false, 0);
  }

  public SessionOptions withPrecision(Precision p) {
    return new SessionOptions(p, optimizer, lossScaling, activationCheckpointing, seed);
  }

  public SessionOptions withOptimizer(AdamW o) {
    return new SessionOptions(precision, o, lossScaling, activationCheckpointing, seed);
  }

  public SessionOptions withLossScaling(LossScaling s) {
    return new SessionOptions(precision, optimizer, s, activationCheckpointing, seed);
  }

  public SessionOptions withActivationCheckpointing(boolean on) {
    return new SessionOptions(precision, optimizer, lossScaling, on, seed);
  }

  public SessionOptions withSeed(long s) {
    return new SessionOptions(precision, optimizer, lossScaling, activationCheckpointing, s);
  }
}
