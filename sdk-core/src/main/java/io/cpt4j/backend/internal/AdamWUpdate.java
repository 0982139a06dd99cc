package io.cpt4j.backend.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.cpt4j.backend.AdamW;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * AdamW with decoupled weight decay, in place on the parameters, as PyTorch's {@code
 * torch.optim.AdamW} (non-fused): {@code p ← p·(1 − lr·wd)}, then {@code p ← p − lr · m̂ / (√v̂ +
 * eps)}. Moments live in the session's long-lived manager; temporaries in the caller's scope.
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
    boolean embedding = name.equals("model.embed_tokens.weight") || name.equals("gpt_neox.embed_in.weight")
        || name.equals("lm_head.weight") || name.equals("embed_out.weight");
    return !embedding || settings.decayEmbeddings();
  }

  long steps() {
    return t;
  }

  /**
   * One update of every parameter from its gradient {@code grads.get(name)} (already unscaled and
   * clipped).
   */
  void apply(ModelConfig c, Map<String, NDArray> params, Map<String, NDArray> grads, double lr) {
    t++;
    double b1 = settings.beta1();
    double b2 = settings.beta2();
    double bc1 = 1 - Math.pow(b1, t);
    double bc2 = 1 - Math.pow(b2, t);
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      String name = e.getKey();
      NDArray p = e.getValue();
      NDArray g = grads.get(name);
      NDArray m = firstMoment.computeIfAbsent(name, n -> zerosLike(p));
      NDArray v = secondMoment.computeIfAbsent(name, n -> zerosLike(p));
      m.muli(b1).addi(g.mul(1 - b1));
      v.muli(b2).addi(g.square().muli(1 - b2));
      if (settings.weightDecay() > 0 && decays(c, name, p)) {
        p.muli(1 - lr * settings.weightDecay());
      }
      NDArray denom = v.div(bc2).sqrt().addi(settings.eps());
      p.subi(m.div(denom).muli(lr / bc1));
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
