package io.cpt4j.merge.internal.methods;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.merge.internal.engine.Scratch;

/**
 * A block of the models' task vectors {@code δₖ = xₖ − base}, read into a {@link Scratch}: the first
 * step of the methods that work on all models' task vectors element by element ({@code sce}, {@code
 * ram}). Stateless.
 */
final class TaskVectorBlock {
  private TaskVectorBlock() {}

  /**
   * The task vectors of elements {@code [from, from + n)} in the scratch's input buffers, one per
   * model, in float32; the base is left in work buffer 0.
   */
  static float[][] read(Tensor base, Tensor[] models, long from, int n, Scratch s) {
    float[] b = s.work(0);
    float[][] d = s.inputs(models.length);
    base.readFloats(from, b, 0, n);
    for (int k = 0; k < models.length; k++) {
      models[k].readFloats(from, d[k], 0, n);
      for (int i = 0; i < n; i++) {
        d[k][i] -= b[i];
      }
    }
    return d;
  }
}
