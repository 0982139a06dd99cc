package io.cpt4j.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.Regularizer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The KL-type {@link Regularizer}s of a training pass: for each micro-batch, the frozen base's logits
 * (one forward without autograd, only when some row is regularized) and, per regularizer, {@code Σ_i
 * m_i · τ² · KL(teacher_i ‖ model_i)} added to the batch's weighted NLL sum before backward, where
 * {@code m_i} is the position's loss weight in rows of the regularizer's sources and 0 elsewhere.
 * Each term's unweighted sum {@code Σ m_i·KL_i} stays on the device as a float64 scalar until the
 * step reads all its scalars at once ({@link #drain}). Not thread-safe: one per session.
 *
 * <p>Teachers, over the vocabulary {@code v}, with {@code z} the base's logits and {@code y} the
 * target: KL, {@code softmax(z/τ)}; LOGIT_SWAP, {@code softmax(z'/τ)} with {@code z'} equal to
 * {@code z} except {@code z'_y = max z} and {@code z'_{argmax z} = z_y}.
 */
public final class SelfDistillation {
  private final Decoder decoder;
  private final Map<String, NDArray> base;
  private final DataType compute;
  private final List<Regularizer> terms;
  private final NDManager manager;
  private final List<List<NDArray>> pending = new ArrayList<>();
  /** This step's masks per micro-batch and regularizer ({@link #prepare}); a null entry: nothing regularized. */
  private final Map<Batch, float[][]> masks = new IdentityHashMap<>();

  /**
   * @param base the frozen base's weights under HF names, in the masters' dtype (cast to {@code
   *     compute} where used, like the model's)
   * @param regularizers those that distill ({@link Regularizer#distills()}) are computed here
   */
  public SelfDistillation(Decoder decoder, Map<String, NDArray> base, DataType compute,
      List<Regularizer> regularizers) {
    this.decoder = decoder;
    this.base = base;
    this.compute = compute;
    this.terms = regularizers.stream().filter(Regularizer::distills).toList();
    this.manager = base.values().iterator().next().getManager();
    for (int i = 0; i < terms.size(); i++) {
      pending.add(new ArrayList<>());
    }
  }

  /**
   * Builds the masks of a step's micro-batches before any of them runs (so a batch that cannot be
   * regularized is refused before any gradient) and returns, per regularizer, the sum of its mask
   * weights over the step.
   *
   * @throws IllegalArgumentException as {@link #mask}
   */
  public double[] prepare(List<Batch> microBatches) {
    masks.clear();
    double[] weights = new double[terms.size()];
    for (Batch b : microBatches) {
      float[][] perTerm = new float[terms.size()][];
      for (int r = 0; r < terms.size(); r++) {
        perTerm[r] = mask(b, terms.get(r));
        if (perTerm[r] != null) {
          for (float x : perTerm[r]) {
            weights[r] += x;
          }
        }
      }
      masks.put(b, perTerm);
    }
    return weights;
  }

  /** The regularizers this computes, in the order of {@link #drain}'s lists. */
  public List<Regularizer> regularizers() {
    return terms;
  }

  /**
   * {@code nllSum + Σ_r weight_r · τ_r² · Σ_i m_i·KL_i} for micro-batch {@code b} with the model's
   * {@code logits} (B·T, V, with autograd); records each {@code Σ_i m_i·KL_i}.
   */
  NDArray addTo(NDArray nllSum, NDArray logits, BatchInputs in, Batch b) {
    NDArray total = nllSum;
    NDArray teacher = null;
    for (int r = 0; r < terms.size(); r++) {
      Regularizer reg = terms.get(r);
      float[][] prepared = masks.get(b);
      float[] mask = prepared != null ? prepared[r] : mask(b, reg);
      if (mask == null) {
        continue; // no regularized position in this micro-batch: nothing to add, nothing to run
      }
      if (teacher == null) {
        teacher = teacherLogits(in);
      }
      NDArray m = logits.getManager().create(mask);
      boolean swap = reg.kind() == Regularizer.Kind.LOGIT_SWAP;
      NDArray kl = kl(teacher, logits, reg.temperature(), in.targets, swap).mul(m).sum(); // Σ m·KL, float32 scalar
      pending.get(r).add(kept(kl));
      total = total.add(Scalars.times(kl, reg.weight() * reg.temperature() * reg.temperature()));
    }
    return total;
  }

  /**
   * Per-position loss weights in rows the regularizer applies to, 0 elsewhere; null if all are 0.
   *
   * @throws IllegalArgumentException if the regularizer names sources and the batch's rows have none
   */
  public static float[] mask(Batch b, Regularizer reg) {
    if (!reg.sources().isEmpty() && b.rowSources().isEmpty()) {
      throw new IllegalArgumentException("the " + reg.describe() + " regularizer needs each row's source, and this "
          + "batch does not name them (Batch.rowSources)");
    }
    float[] m = new float[b.rows() * b.length()];
    boolean any = false;
    for (int row = 0; row < b.rows(); row++) {
      if (!b.rowSources().isEmpty() && !reg.appliesTo(b.rowSources().get(row))) {
        continue;
      }
      for (int i = row * b.length(); i < (row + 1) * b.length(); i++) {
        if (b.targets()[i] != Batch.IGNORE && b.weights()[i] > 0) {
          m[i] = b.weights()[i];
          any = true;
        }
      }
    }
    return any ? m : null;
  }

  /** The base's logits (B·T, V), float32, without autograd. */
  private NDArray teacherLogits(BatchInputs in) {
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      return decoder.logits(ModelPass.weights(base, compute), in);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /**
   * {@code KL(softmax(t/τ) ‖ softmax(s/τ))} per row, (N); with {@code swap}, of the teacher whose
   * target and top logits are exchanged. That teacher {@code p'} is a permutation of {@code p}, so
   * {@code Σ p' log p' = Σ p log p} and only two terms of the cross-entropy move: {@code KL(p' ‖ q) =
   * KL(p ‖ q) + (p_top − p_y)·(log q_top − log q_y)} — two gathers instead of a permuted {@code N × V}
   * copy (0 where the target is the top already).
   */
  static NDArray kl(NDArray teacher, NDArray student, double temperature, NDArray targets, boolean swap) {
    NDArray t = temperature == 1 ? teacher : Scalars.times(teacher, 1 / temperature);
    NDArray s = temperature == 1 ? student : Scalars.times(student, 1 / temperature);
    NDArray logP = t.logSoftmax(-1);
    NDArray logQ = s.logSoftmax(-1);
    NDArray p = logP.exp();
    NDArray kl = p.mul(logP.sub(logQ)).sum(new int[] {1});
    if (!swap) {
      return kl;
    }
    NDArray top = t.argMax(1).reshape(-1, 1); // (N, 1) int64
    NDArray gap = p.gather(top, 1).sub(p.gather(targets, 1)); // p_top − p_y, (N, 1)
    NDArray logRatio = logQ.gather(top, 1).sub(logQ.gather(targets, 1)); // log q_top − log q_y
    return kl.add(gap.mul(logRatio).reshape(-1));
  }

  private NDArray kept(NDArray scalar) {
    NDArray value = scalar.stopGradient().toType(DataType.FLOAT64, true);
    NDScope.unregister(value);
    value.attach(manager);
    return value;
  }

  /**
   * The recorded {@code Σ m·KL} scalars since the last drain, per regularizer (the caller owns them),
   * and the pending lists emptied.
   */
  public List<List<NDArray>> drain() {
    List<List<NDArray>> out = new ArrayList<>();
    masks.clear();
    for (List<NDArray> p : pending) {
      out.add(List.copyOf(p));
      p.clear();
    }
    return out;
  }
}
