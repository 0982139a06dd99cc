package io.cpt4j.merge.internal;

import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeMethod;
import java.util.function.Supplier;

/**
 * The per-tensor computations of {@code slerp} and {@code model_stock} for {@link MergeEngine}, on
 * whole-tensor arrays: statistics over the tensor ({@link SlerpKernel.Stats}, {@link
 * ModelStockKernel.Stats}), then the per-element formula. Stateless and thread-safe.
 */
final class InterpolationMerges {
  private InterpolationMerges() {}

  /**
   * Whether {@code merge}'s method is one of these.
   *
   * @throws MergeException when it is, but the merge has a target other than the base (these methods
   *     interpolate between the base and the models; there is no merged vector to add elsewhere)
   */
  static boolean handles(Merge merge) {
    if (!(merge.method() instanceof MergeMethod.Slerp || merge.method() instanceof MergeMethod.ModelStock)) {
      return false;
    }
    if (merge.target() != merge.base()) {
      throw new MergeException(merge.method().name() + " interpolates between the base and the models; onto("
          + merge.target().directory() + ") is not supported");
    }
    return true;
  }

  /** Bytes of tensor {@code name} read from the inputs (the base and every model). */
  static long bytesRead(Merge merge, String name) {
    long n = merge.base().tensor(name).info().byteSize();
    for (MergeInput m : merge.models()) {
      n += m.checkpoint().tensor(name).info().byteSize();
    }
    return n;
  }

  /**
   * The merged values of tensor {@code name}, computed when the supplier is called. Parameters that
   * depend on the tensor (slerp's {@code t}) are evaluated now, so a missing value fails before
   * anything is written.
   */
  static Supplier<float[]> values(Merge merge, String name, int numLayers) {
    return switch (merge.method()) {
      case MergeMethod.Slerp s -> {
        double t = s.t().at(name, LayerPosition.of(name, numLayers));
        yield () -> slerp(merge, name, t);
      }
      case MergeMethod.ModelStock ms -> () -> modelStock(merge, name, ms.filterWise());
      default -> throw new IllegalArgumentException(merge.method().name() + " is not an interpolation");
    };
  }

  private static float[] slerp(Merge merge, String name, double t) {
    float[] a = merge.base().tensor(name).toFloatArray();
    float[] b = merge.models().getFirst().checkpoint().tensor(name).toFloatArray();
    SlerpKernel.Stats stats = new SlerpKernel.Stats();
    stats.add(a, b, a.length);
    float[] out = new float[a.length];
    SlerpKernel.apply(SlerpKernel.coefficients(stats, t), a, b, out, a.length);
    return out;
  }

  private static float[] modelStock(Merge merge, String name, boolean filterWise) {
    float[] base = merge.base().tensor(name).toFloatArray();
    float[][] x = new float[merge.models().size()][];
    for (int k = 0; k < x.length; k++) {
      x[k] = merge.models().get(k).checkpoint().tensor(name).toFloatArray();
    }
    var info = merge.base().tensor(name).info();
    ModelStockKernel.Stats stats =
        new ModelStockKernel.Stats(base.length, ModelStockKernel.rowLength(info.shape(), filterWise), x.length);
    stats.add(0, base, x, base.length);
    float[] out = new float[base.length];
    ModelStockKernel.apply(ModelStockKernel.ratios(stats, name), 0, base, x, out, base.length);
    return out;
  }
}
