package io.cpt4j.backend.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import io.cpt4j.backend.BackendException;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.Regularizer;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.model.internal.Decoder;
import io.cpt4j.model.internal.SelfDistillation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A session's {@link Regularizer}s: the frozen copy of the base (every tensor when a term distills,
 * else only the trainable ones, for L2), the {@link SelfDistillation} the passes add to each
 * micro-batch's loss, and the L2 pull added once per step. Collects each term's device scalars so
 * the step reads them with its own in one transfer. Not thread-safe: one per session.
 */
final class Regularization implements AutoCloseable {
  private final List<Regularizer> regularizers;
  private final ModelParameters base;
  private final SelfDistillation distill;
  private final Regularizer l2;
  /** Per regularizer, this step's device scalars (Σ m·KL per micro-batch, or Σ‖θ−θ₀‖²). */
  private final Map<Regularizer, List<NDArray>> scalars = new LinkedHashMap<>();
  /** Per distilling regularizer, this step's Σ m over its positions (host-side). */
  private final Map<Regularizer, Double> positions = new LinkedHashMap<>();

  private Regularization(List<Regularizer> regularizers, ModelParameters base, SelfDistillation distill,
      Regularizer l2) {
    this.regularizers = regularizers;
    this.base = base;
    this.distill = distill;
    this.l2 = l2;
  }

  /** None if {@code regularizers} is empty; else loads the reference's tensors into {@code manager}. */
  static Regularization of(List<Regularizer> regularizers, Checkpoint model, Checkpoint reference, NDManager manager,
      DataType masterType, DataType compute, Set<String> trainable) {
    if (regularizers.isEmpty()) {
      return null;
    }
    ModelConfig c = model.config();
    if (!reference.config().expectedTensors().equals(c.expectedTensors())) {
      throw new BackendException("the regularizers' base " + reference.config().hfClass() + " does not have the "
          + "trained model's tensors (" + c.hfClass() + ", " + c.parameterCount() + " parameters): regularize towards "
          + "the checkpoint the run started from");
    }
    boolean distills = regularizers.stream().anyMatch(Regularizer::distills);
    ModelParameters base = ModelParameters.load(manager, reference, masterType,
        distills ? name -> true : trainable::contains);
    SelfDistillation distill = distills
        ? new SelfDistillation(new Decoder(c), base.all(), compute, regularizers) : null;
    Regularizer l2 = regularizers.stream().filter(r -> r.kind() == Regularizer.Kind.L2).findFirst().orElse(null);
    return new Regularization(regularizers, base, distill, l2);
  }

  /** Parameters of the frozen copy. */
  long parameterCount() {
    return base.count();
  }

  /** What the passes add to each micro-batch's loss; null without a distilling regularizer. */
  SelfDistillation distillation() {
    return distill;
  }

  /**
   * Records the regularized weight of each distilling term in a step's micro-batches (host side).
   *
   * @throws IllegalArgumentException if a term limited to sources meets a batch without row sources
   */
  void count(List<Batch> microBatches) {
    positions.clear(); // and anything a failed step left behind
    scalars.values().forEach(l -> l.forEach(NDArray::close));
    scalars.clear();
    if (distill == null) {
      return;
    }
    distill.drain().forEach(l -> l.forEach(NDArray::close));
    double[] weights = distill.prepare(microBatches);
    for (int r = 0; r < weights.length; r++) {
      positions.put(distill.regularizers().get(r), weights[r]);
    }
  }

  /**
   * Back-propagates {@code scale · weight · ½Σ‖θ − θ₀‖²} over the trainable parameters (one
   * backward per tensor, so no model-sized graph is kept), recording the distance.
   */
  void backwardL2(GradientCollector collector, Map<String, NDArray> trainable, double scale) {
    if (l2 == null) {
      return;
    }
    List<NDArray> parts = new ArrayList<>();
    for (Map.Entry<String, NDArray> e : trainable.entrySet()) {
      try (NDScope scope = new NDScope()) {
        NDArray d = e.getValue().sub(base.get(e.getKey()));
        NDArray sq = d.mul(d).sum();
        collector.backward(sq.mul(scale * l2.weight() / 2));
        NDArray kept = sq.stopGradient().toType(DataType.FLOAT64, true);
        NDScope.unregister(kept);
        parts.add(kept);
      }
    }
    NDArray total = parts.size() == 1 ? parts.getFirst() : ai.djl.ndarray.NDArrays.add(parts.toArray(NDArray[]::new));
    if (parts.size() > 1) {
      parts.forEach(NDArray::close);
    }
    scalars.put(l2, List.of(total));
  }

  /**
   * Moves this step's device scalars into {@code into} (registered in the current scope), in an order
   * {@link #terms} reads back from the host copy starting at the index they were added at.
   */
  void collect(NDList into) {
    if (distill != null) {
      List<List<NDArray>> drained = distill.drain();
      for (int r = 0; r < drained.size(); r++) {
        scalars.put(distill.regularizers().get(r), drained.get(r));
      }
    }
    for (Regularizer r : regularizers) {
      for (NDArray a : scalars.getOrDefault(r, List.of())) {
        NDScope.register(a);
        into.add(a);
      }
    }
  }

  /**
   * Each term's value from the host copy of the step's scalars, {@code host[from...]} in {@link
   * #collect}'s order: the mean KL per regularized position (0 when no position was), or the squared
   * distance; resets the step's records.
   */
  Map<String, Double> terms(double[] host, int from) {
    Map<String, Double> out = new LinkedHashMap<>();
    int i = from;
    for (Regularizer r : regularizers) {
      double sum = 0;
      for (int k = 0; k < scalars.getOrDefault(r, List.of()).size(); k++) {
        sum += host[i++];
      }
      if (r.distills()) {
        double w = positions.getOrDefault(r, 0.0);
        out.put(r.kind().key(), w > 0 ? sum / w : 0.0);
      } else {
        out.put(r.kind().key(), sum);
      }
    }
    scalars.clear();
    positions.clear();
    return out;
  }

  @Override
  public void close() {
    base.close();
  }
}
