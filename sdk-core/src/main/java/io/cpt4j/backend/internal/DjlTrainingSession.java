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
import java.nio.file.Path;
import java.util.HashMap;
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
  private final ModelPass pass;
  private final SessionOptions options;
  private final AdamWUpdate optimizer;
  private final LossScaler scaler;
  private final Consumer<List<Batch>> beforeStep;
  private final BatchPrefetcher prefetcher;
  private boolean closed;

  DjlTrainingSession(Engine engine, Checkpoint checkpoint, SessionOptions options, DataType masterType) {
    this(engine, Device.cpu(), checkpoint, options, masterType, batches -> {}, false);
  }

  /**
   * Opens a session on {@code device}.
   *
   * @param beforeStep called with the micro-batches of every step before any engine work (the GPU
   *     backend checks there that the step's activations fit in free device memory); may throw
   * @param prefetch whether micro-batches' inputs are built ahead on a background thread: the first
   *     of the step {@link #prefetch} announces, and within a step the next micro-batch (worth it on
   *     a GPU; on the CPU the builds would compete with the step for the cores)
   */
  public DjlTrainingSession(Engine engine, Device device, Checkpoint checkpoint, SessionOptions options,
      DataType masterType, Consumer<List<Batch>> beforeStep, boolean prefetch) {
    this.engine = engine;
    this.config = checkpoint.config();
    this.options = options;
    this.beforeStep = beforeStep;
    Decoder decoder = new Decoder(config);
    this.manager = engine.newBaseManager(device);
    try {
      this.params = ModelParameters.load(manager, checkpoint, masterType);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    for (NDArray p : params.all().values()) {
      p.setRequiresGradient(true);
    }
    DataType compute = options.precision() == Precision.FP16_MIXED ? DataType.FLOAT16 : masterType;
    this.pass = new ModelPass(decoder, params.all(), compute);
    this.optimizer = new AdamWUpdate(options.optimizer(), manager);
    this.scaler = new LossScaler(options.lossScaling(), options.precision() == Precision.FP16_MIXED);
    this.prefetcher = prefetch ? new BatchPrefetcher(pass) : null;
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
      NDList scalars = new NDList(microBatches.size() + params.all().size());
      try (GradientCollector collector = engine.newGradientCollector()) {
        for (int i = 0; i < microBatches.size(); i++) {
          Batch b = microBatches.get(i);
          ModelPass.Prepared ready = prefetcher != null ? prefetcher.take(microBatches, i) : null;
          try {
            scalars.add(options.activationCheckpointing()
                ? pass.backwardCheckpointed(collector, b, scale / totalWeight, ready)
                : pass.backward(collector, b, scale / totalWeight, ready));
          } finally {
            if (ready != null) {
              ready.close();
            }
          }
        }
      }
      // The norm is taken of the scaled gradients (one fused reduction per tensor, accumulated
      // here in double) and divided by the scale; unscaling and clipping become one factor that
      // the optimizer applies as it reads each gradient, so no gradient is rewritten or copied.
      Map<String, NDArray> grads = new HashMap<>();
      for (Map.Entry<String, NDArray> e : params.all().entrySet()) {
        NDArray g = e.getValue().getGradient();
        grads.put(e.getKey(), g);
        scalars.add(g.norm().toType(DataType.FLOAT64, false));
      }
      double[] host = NDArrays.stack(scalars).toDoubleArray();
      double lossSum = 0;
      for (int i = 0; i < microBatches.size(); i++) {
        lossSum += host[i];
      }
      double sumSquares = 0;
      for (int i = microBatches.size(); i < host.length; i++) {
        sumSquares += host[i] * host[i];
      }
      double norm = Math.sqrt(sumSquares) / scale;
      boolean finite = Double.isFinite(norm);
      scaler.update(finite);
      if (finite) {
        double max = options.optimizer().maxGradNorm();
        double clip = max > 0 && norm > max ? max / (norm + 1e-6) : 1.0;
        optimizer.apply(config, params.all(), grads, learningRate, clip / scale);
      }
      zeroGradients();
      return new StepResult(lossSum / totalWeight, norm, tokens, !finite, scale);
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
    for (NDArray p : params.all().values()) {
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
    OptimizerStateFiles.save(directory, options, params.all(), optimizer, scaler);
  }

  @Override
  public void restoreState(Path directory) {
    ensureOpen();
    OptimizerStateFiles.restore(directory, options, params.all(), manager, optimizer, scaler);
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
      manager.close();
    }
  }
}
