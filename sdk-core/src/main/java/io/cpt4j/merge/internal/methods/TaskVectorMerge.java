package io.cpt4j.merge.internal.methods;

import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.merge.internal.engine.Derivation;
import io.cpt4j.merge.internal.engine.InputPages;
import io.cpt4j.merge.internal.engine.Scratch;

/**
 * What the {@link Derivation}s of merged tensors share ({@link TensorMerge}, {@link SceMerge},
 * {@link RamMerge}): their inputs (the base the task vectors {@code δₖ = xₖ − base} are taken
 * against, the target the merged vector is added to, the models), the elements merged, the block of
 * phase-1 reads, the release of input pages, and the reading of a block of task vectors. Immutable.
 */
abstract class TaskVectorMerge implements Derivation {
  /** The reference of the task vectors. */
  final Tensor base;
  /** Where the merged vector is added: the base unless {@code onto}. */
  final Tensor target;
  final Tensor[] models;
  /** Elements merged: the first {@code count} of every input. */
  final long count;
  /** Elements per phase-1 read, at most {@link #count} (at least 1). */
  final int block;

  TaskVectorMerge(Tensor base, Tensor target, Tensor[] models, long count, int block) {
    this.base = base;
    this.target = target;
    this.models = models.clone();
    this.count = count;
    this.block = (int) Math.min(block, Math.max(1, count));
  }

  @Override
  public final long count() {
    return count;
  }

  @Override
  public final void release(long from, long n) {
    InputPages.release(from, n, models);
    InputPages.release(from, n, base, target == base ? null : target);
  }

  /**
   * The task vectors of elements {@code [from, from + n)} in the scratch's input buffers, one per
   * model, in float32; the base is left in work buffer 0.
   */
  final float[][] taskVectors(long from, int n, Scratch s) {
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

  /** After {@link #taskVectors} of the same range: the target's values, in work buffer 0. */
  final float[] targetValues(long from, int n, Scratch s) {
    float[] t = s.work(0); // the base, unless the target differs
    if (target != base) {
      target.readFloats(from, t, 0, n);
    }
    return t;
  }
}
