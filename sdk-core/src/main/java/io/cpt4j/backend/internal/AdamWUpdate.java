package io.cpt4j.backend.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.cpt4j.backend.AdamW;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * AdamW with decoupled weight decay, in place on the parameters, as PyTorch's {@code
 * torch.optim.AdamW} (non-fused): {@code p ← p·(1 − lr·wd)}, then {@code p ← p − lr · m̂ / (√v̂ +
 * eps)}, with the moments computed from the gradient as given (after unscaling and clipping). Moments live in the session's long-lived manager; temporaries in the caller's scope.
 */
final class AdamWUpdate {
  private final AdamW settings;
  private final NDManager stateManager;
  private final Map<String, NDArray> firstMoment = new HashMap<>();
  private final Map<String, NDArray> secondMoment = new HashMap<>();
  private long t;

  AdamWUpdate(AdamW settings, NDManager stateManager) {
    this.settings = settings;
    this.stateManager = stateManager;
  }

  /** Whether {@code name} is in the decay group. */
  boolean decays(ModelConfig c, String name, NDArray param) {
    if (param.getShape().dimension() < 2) {
      return false; // biases and norm weights
    }
    boolean embedding = name.equals(c.names().embedding() + ".weight") || name.equals(c.names().head() + ".weight");
    return !embedding || settings.decayEmbeddings();
  }

  long steps() {
    return t;
  }

  /** The first moment of {@code name}, or null before the first update (moments are created then). */
  NDArray firstMoment(String name) {
    return firstMoment.get(name);
  }

  /** The second moment of {@code name}, or null before the first update. */
  NDArray secondMoment(String name) {
    return secondMoment.get(name);
  }

  /**
   * Replaces the step count and every moment (freeing the current ones); takes ownership of the
   * arrays, which must live in the state manager, outside any {@code NDScope}, with their
   * parameters' shapes and dtypes.
   */
  void restore(long steps, Map<String, NDArray> first, Map<String, NDArray> second) {
    close();
    firstMoment.clear();
    secondMoment.clear();
    firstMoment.putAll(first);
    secondMoment.putAll(second);
    t = steps;
  }

  /**
   * One update of every parameter from its gradient {@code grads.get(name)} times {@code
   * gradientFactor} (the loss-scale reciprocal and the clipping factor folded into one number, so
   * the gradients are never rewritten). One native call per parameter (DJL's {@code adamUpdate} in
   * its AdamW mode: {@code p ← p − lr·wd·p}, the moment updates, then {@code p ← p − lr·√bc2/bc1 ·
   * m / (√v + eps·√bc2)}, which equals PyTorch's {@code p − lr · m̂ / (√v̂ + eps)}).
   */
  void apply(ModelConfig c, Map<String, NDArray> params, Map<String, NDArray> grads, double lr, double gradientFactor) {
    t++;
    double b1 = settings.beta1();
    double b2 = settings.beta2();
    double bc1 = 1 - Math.pow(b1, t);
    double sqrtBc2 = Math.sqrt(1 - Math.pow(b2, t));
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      String name = e.getKey();
      NDArray p = e.getValue();
      NDArray g = grads.get(name);
      NDArray m = firstMoment.computeIfAbsent(name, n -> zerosLike(p));
      NDArray v = secondMoment.computeIfAbsent(name, n -> zerosLike(p));
      double wd = settings.weightDecay() > 0 && decays(c, name, p) ? settings.weightDecay() : 0;
      JniUtils.adamUpdate((PtNDArray) p, (PtNDArray) g, (PtNDArray) m, (PtNDArray) v,
          (float) lr, (float) (lr * sqrtBc2 / bc1), (float) wd, (float) gradientFactor, -1f,
          (float) b1, (float) b2, (float) (settings.eps() * sqrtBc2), true);
    }
  }

  private NDArray zerosLike(NDArray p) {
    NDArray z = stateManager.zeros(p.getShape(), p.getDataType());
    ai.djl.ndarray.NDScope.unregister(z);
    return z;
  }

  void close() {
    firstMoment.values().forEach(NDArray::close);
    secondMoment.values().forEach(NDArray::close);
  }
}
