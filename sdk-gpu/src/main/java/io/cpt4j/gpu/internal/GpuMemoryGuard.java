package io.cpt4j.gpu.internal;

import io.cpt4j.backend.BackendException;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.MemoryPlan;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Compares {@link MemoryPlan}s with free device memory so that a session fails before it runs out
 * of memory: once before the weights load (the static state: weights, masters, gradients, moments)
 * and before the first step of every micro-batch shape larger than any seen (activations and
 * workspace). Smaller shapes reuse memory the allocator already holds and are not checked. Not
 * thread-safe (one per session).
 */
final class GpuMemoryGuard {
  private final ModelConfig config;
  private final SessionOptions options;
  private final LongSupplier freeBytes;
  private final String device;
  private MemoryPlan checked; // the largest plan checked so far, null before the first step
  private long heldBeforeFirstStep;

  GpuMemoryGuard(ModelConfig config, SessionOptions options, LongSupplier freeBytes, String device) {
    this.config = config;
    this.options = options;
    this.freeBytes = freeBytes;
    this.device = device;
  }

  /**
   * Before loading: the static state must fit, and leave room for one row.
   *
   * @throws BackendException with the estimate and a suggestion otherwise
   */
  void checkStatic() {
    MemoryPlan oneRow;
    try {
      oneRow = MemoryPlan.estimate(config, 1, 1, options);
    } catch (IllegalArgumentException e) {
      throw new BackendException("trainable parameters: " + e.getMessage(), e);
    }
    long free = freeBytes.getAsLong();
    if (oneRow.staticBytes() > free) {
      throw new BackendException(device + " has " + MemoryPlan.bytes(free) + " free but the model's weights, "
          + "gradients and AdamW moments alone need about " + MemoryPlan.bytes(oneRow.staticBytes()) + " ("
          + oneRow.describe() + "): " + oneRow.suggestion(free));
    }
    // What loading puts on the device before the first step: the float32 master weights.
    heldBeforeFirstStep = 4 * config.parameterCount();
  }

  /**
   * Before a step: if its largest micro-batch is bigger than any checked, its plan must fit in what
   * is free plus what the session already holds.
   *
   * @throws BackendException with the estimate and a suggestion otherwise
   */
  void check(List<Batch> microBatches) {
    int rows = 0;
    int length = 0;
    for (Batch b : microBatches) {
      rows = Math.max(rows, b.rows());
      length = Math.max(length, b.length());
    }
    MemoryPlan plan = MemoryPlan.estimate(config, rows, length, options);
    long need = plan.activations() + plan.workspace();
    if (checked != null && need <= checked.activations() + checked.workspace()) {
      return;
    }
    long free = freeBytes.getAsLong();
    long held = checked == null ? heldBeforeFirstStep : checked.total();
    long available = free + held;
    if (!plan.fitsIn(available)) {
      throw new BackendException(device + " has " + MemoryPlan.bytes(free) + " free and this session holds about "
          + MemoryPlan.bytes(held) + ", but training on micro-batches of " + rows + " × " + length + " needs about "
          + MemoryPlan.bytes(plan.total()) + " (" + plan.describe() + "): " + plan.suggestion(available));
    }
    checked = plan;
  }

  /** The plan of the largest shape checked, or null before the first step. */
  MemoryPlan checkedPlan() {
    return checked;
  }
}
