package io.cpt4j.backend.internal;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.BackendException;
import io.cpt4j.backend.Precision;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.StepResult;
import io.cpt4j.backend.TokenScores;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.model.internal.Decoder;
import io.cpt4j.model.internal.ModelPass;
import io.cpt4j.model.internal.SelfDistillation;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A training session on DJL's PyTorch engine. Master weights are float32 leaves that collect
 * gradients; in FP16_MIXED they are cast to float16 where they are used, so gradients flow back
 * through the cast into float32. Every step runs in an {@link NDScope}: all per-step arrays
 * (activations, gradient handles, temporaries) are freed when it ends.
 *
 * <p>The device is a parameter: the CPU backend passes {@link Device#cpu()}, sdk-gpu a CUDA device.
 * Every array of the session (parameters, moments, batch inputs) lives in a manager on that device.
 */
public final class DjlTrainingSession implements TrainingSession {
  private final Engine engine;
  private final NDManager manager;
  private final ModelConfig config;
  private final ModelParameters params;
  /** The parameters that train ({@link SessionOptions#trainable()}); the others are frozen. */
  private final Map<String, NDArray> trainable;
  private final Regularization regularization;
  private final ModelPass pass;
  private final SessionOptions options;
  private final AdamWUpdate optimizer;
  private final LossScaler scaler;
  private final Consumer<List<Batch>> beforeStep;
  private final BatchPrefetcher prefetcher;
  private boolean closed;

  DjlTrainingSession(Engine engine, Checkpoint checkpoint, SessionOptions options, DataType masterType) {
    this(engine, Device.cpu(), checkpoint, checkpoint, options, masterType, batches -> {}, false);
  }

  /**
   * Opens a session on {@code device}.
   *
   * @param reference the base the regularizers hold the model near (read only if there are any)
   * @param beforeStep called with the micro-batches of every step before any engine work (the GPU
   *     backend checks there that the step's activations fit in free device memory); may throw
   * @param prefetch whether micro-batches' inputs are built ahead on a background thread: the first
   *     of the step {@link #prefetch} announces, and within a step the next micro-batch (worth it on
   *     a GPU; on the CPU the builds would compete with the step for the cores)
   */
  public DjlTrainingSession(Engine engine, Device device, Checkpoint checkpoint, Checkpoint reference,
      SessionOptions options, DataType masterType, Consumer<List<Batch>> beforeStep, boolean prefetch) {
    this.engine = engine;
    this.config = checkpoint.config();
    this.options = options;
    this.beforeStep = beforeStep;
    Decoder decoder = new Decoder(config);
    this.manager = engine.newBaseManager(device);
    DataType compute = options.precision() == Precision.FP16_MIXED ? DataType.FLOAT16 : masterType;
    try {
      this.params = ModelParameters.load(manager, checkpoint, masterType);
      this.trainable = selectTrainable(params.all(), options);
      this.regularization = Regularization.of(options.regularizers(), checkpoint, reference, manager, masterType,
          compute, trainable.keySet());
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    for (NDArray p : trainable.values()) {
      p.setRequiresGradient(true);
    }
    this.pass = new ModelPass(decoder, params.all(), compute);
    this.optimizer = new AdamWUpdate(options.optimizer(), manager);
    this.scaler = new LossScaler(options.lossScaling(), options.precision() == Precision.FP16_MIXED);
    this.prefetcher = prefetch ? new BatchPrefetcher(pass) : null;
  }

  private static Map<String, NDArray> selectTrainable(Map<String, NDArray> all, SessionOptions options) {
    List<String> names;
    try {
      names = options.trainable().select(all.keySet());
    } catch (IllegalArgumentException e) {
      throw new BackendException("trainable parameters: " + e.getMessage(), e);
    }
    Map<String, NDArray> chosen = new LinkedHashMap<>();
    names.forEach(n -> chosen.put(n, all.get(n)));
    return Collections.unmodifiableMap(chosen);
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public long parameterCount() {
    return params.count();
  }


  @Override
  public long steps() {
    return optimizer.steps();
  }

  @Override
  public StepResult step(List<Batch> microBatches, double learningRate) {
    ensureOpen();
    if (microBatches.isEmpty()) {
      throw new IllegalArgumentException("a step needs at least one micro-batch");
    }
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + learningRate);
    }
    double totalWeight = 0;
    long tokens = 0;
    for (Batch b : microBatches) {
      totalWeight += b.totalWeight();
      for (int i = 0; i < b.targets().length; i++) {
        tokens += b.targets()[i] != Batch.IGNORE && b.weights()[i] > 0 ? 1 : 0;
      }
    }
    if (!(totalWeight > 0)) {
      throw new IllegalArgumentException("the micro-batches carry no loss (every target ignored or weight 0)");
    }
    beforeStep.accept(microBatches);
    double scale = scaler.scale();
    try (NDScope scope = new NDScope()) {
      // Every scalar of the step (each micro-batch's loss sum and each gradient's norm) stays on the
      // device until the end, where all cross in one transfer: one device sync per step.
      NDList scalars = new NDList(microBatches.size() + trainable.size());
      SelfDistillation distill = null;
      if (regularization != null) {
        regularization.count(microBatches); // refuses a batch it cannot regularize before any gradient
        distill = regularization.distillation();
      }
      try (GradientCollector collector = engine.newGradientCollector()) {
        for (int i = 0; i < microBatches.size(); i++) {
          Batch b = microBatches.get(i);
          ModelPass.Prepared ready = prefetcher != null ? prefetcher.take(microBatches, i) : null;
          try {
            scalars.add(options.activationCheckpointing()
                ? pass.backwardCheckpointed(collector, b, scale / totalWeight, ready, distill)
                : pass.backward(collector, b, scale / totalWeight, ready, distill));
          } finally {
            if (ready != null) {
              ready.close();
            }
          }
        }
        if (regularization != null) {
          regularization.backwardL2(collector, trainable, scale);
        }
      }
      // The norm is taken of the scaled gradients (one fused reduction per tensor, accumulated
      // here in double) and divided by the scale; unscaling and clipping become one factor that
      // the optimizer applies as it reads each gradient, so no gradient is rewritten or copied.
      Map<String, NDArray> grads = new HashMap<>();
      for (Map.Entry<String, NDArray> e : trainable.entrySet()) {
        NDArray g = e.getValue().getGradient();
        grads.put(e.getKey(), g);
        scalars.add(g.norm().toType(DataType.FLOAT64, false));
      }
      int termsFrom = scalars.size();
      if (regularization != null) {
        regularization.collect(scalars);
      }
      double[] host = NDArrays.stack(scalars).toDoubleArray();
      double lossSum = 0;
      for (int i = 0; i < microBatches.size(); i++) {
        lossSum += host[i];
      }
      double sumSquares = 0;
      for (int i = microBatches.size(); i < termsFrom; i++) {
        sumSquares += host[i] * host[i];
      }
      Map<String, Double> terms = regularization == null ? Map.of() : regularization.terms(host, termsFrom);
      double norm = Math.sqrt(sumSquares) / scale;
      boolean finite = Double.isFinite(norm);
      scaler.update(finite);
      if (finite) {
        double max = options.optimizer().maxGradNorm();
        double clip = max > 0 && norm > max ? max / (norm + 1e-6) : 1.0;
        optimizer.apply(config, trainable, grads, learningRate, clip / scale);
      }
      zeroGradients();
      return new StepResult(lossSum / totalWeight, norm, tokens, !finite, scale, terms);
    }
  }

  @Override
  public void prefetch(List<Batch> next) {
    ensureOpen();
    if (prefetcher != null && !next.isEmpty()) {
      prefetcher.announce(next);
    }
  }

  /** In place, on the device ({@code grad.zero_()}): no host value crosses, so no device sync. */
  private void zeroGradients() {
    for (NDArray p : trainable.values()) {
      JniUtils.zeroGrad((PtNDArray) p);
    }
  }

  @Override
  public double loss(Batch batch) {
    ensureOpen();
    double w = batch.totalWeight();
    if (!(w > 0)) {
      throw new IllegalArgumentException("the batch carries no loss (every target ignored or weight 0)");
    }
    try (NDScope scope = new NDScope()) {
      return pass.weightedNllSum(batch) / w;
    }
  }

  @Override
  public float[] tokenLosses(Batch batch) {
    ensureOpen();
    try (NDScope scope = new NDScope()) {
      return pass.tokenNll(batch);
    }
  }

  @Override
  public float[] logits(Batch batch) {
    ensureOpen();
    try (NDScope scope = new NDScope()) {
      return pass.logits(batch);
    }
  }

  @Override
  public TokenScores tokenScores(Batch batch) {
    ensureOpen();
    try (NDScope scope = new NDScope()) {
      return pass.tokenScores(batch);
    }
  }

  @Override
  public TokenScores tokenScores(Batch batch, int[] prefixOf) {
    ensureOpen();
    try (NDScope scope = new NDScope()) {
      return pass.tokenScores(batch, Objects.requireNonNull(prefixOf, "prefixOf"));
    }
  }

  @Override
  public List<Tensor> weights() {
    ensureOpen();
    try (NDScope scope = new NDScope()) {
      return params.toTensors();
    }
  }

  @Override
  public void saveState(Path directory) {
    ensureOpen();
    OptimizerStateFiles.save(directory, options, trainable, optimizer, scaler);
  }

  @Override
  public void restoreState(Path directory) {
    ensureOpen();
    OptimizerStateFiles.restore(directory, options, trainable, manager, optimizer, scaler);
  }

  /** Engine arrays this session holds (parameters, optimizer moments); constant across steps. */
  int liveArrays() {
    return manager.getManagedArrays().size();
  }

  /** Micro-batches whose inputs a step took from the prefetch thread (0 without prefetch). */
  long prefetchedBatches() {
    return prefetcher == null ? 0 : prefetcher.taken();
  }

  /** Frees the micro-batches built ahead and not taken yet. */
  void dropPrefetched() {
    if (prefetcher != null) {
      prefetcher.clear();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new BackendException("the training session is closed");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (prefetcher != null) {
        prefetcher.close();
      }
      optimizer.close();
      if (regularization != null) {
        regularization.close();
      }
      manager.close();
    }
  }
}
