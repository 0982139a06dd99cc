package io.cpt4j.backend.internal;

import io.cpt4j.backend.LossScaling;

/** Dynamic loss scale state, as PyTorch's GradScaler. Not thread-safe. */
final class LossScaler {
  private final LossScaling settings;
  private final boolean enabled;
  private double scale;
  private int cleanSteps;

  LossScaler(LossScaling settings, boolean enabled) {
    this.settings = settings;
    this.enabled = enabled;
    this.scale = enabled ? settings.initialScale() : 1.0;
  }

  double scale() {
    return scale;
  }

  /** Clean steps in a row since the scale last changed (or since the start). */
  int cleanSteps() {
    return cleanSteps;
  }

  /** Sets the state saved from another scaler with the same settings. */
  void restore(double savedScale, int savedCleanSteps) {
    this.scale = savedScale;
    this.cleanSteps = savedCleanSteps;
  }

  /** Records the outcome of a step whose gradients were finite or not. */
  void update(boolean finite) {
    if (!enabled) {
      return;
    }
    if (!finite) {
      scale *= settings.backoffFactor();
      cleanSteps = 0;
      return;
    }
    if (++cleanSteps >= settings.growthInterval()) {
      scale *= settings.growthFactor();
      cleanSteps = 0;
    }
  }
}
