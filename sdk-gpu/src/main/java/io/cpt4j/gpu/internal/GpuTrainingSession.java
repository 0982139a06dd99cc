package io.cpt4j.gpu.internal;

import ai.djl.engine.EngineException;
import io.cpt4j.backend.BackendException;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.MemoryPlan;
import io.cpt4j.backend.StepResult;
import io.cpt4j.backend.TokenScores;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * A GPU session: sdk-core's session, with a CUDA out-of-memory error from the engine turned into a
 * {@link BackendException} that carries the memory estimate. Not thread-safe.
 */
final class GpuTrainingSession implements TrainingSession {
  private final TrainingSession delegate;
  private final GpuMemoryGuard guard;
  private final String device;

  GpuTrainingSession(TrainingSession delegate, GpuMemoryGuard guard, String device) {
    this.delegate = delegate;
    this.guard = guard;
    this.device = device;
  }

  @Override
  public ModelConfig config() {
    return delegate.config();
  }

  @Override
  public long parameterCount() {
    return delegate.parameterCount();
  }

  @Override
  public StepResult step(List<Batch> microBatches, double learningRate) {
    return guarded(() -> delegate.step(microBatches, learningRate));
  }

  @Override
  public void prefetch(List<Batch> next) {
    delegate.prefetch(next);
  }

  @Override
  public double loss(Batch batch) {
    return guarded(() -> delegate.loss(batch));
  }

  @Override
  public float[] tokenLosses(Batch batch) {
    return guarded(() -> delegate.tokenLosses(batch));
  }

  @Override
  public float[] logits(Batch batch) {
    return guarded(() -> delegate.logits(batch));
  }

  @Override
  public TokenScores tokenScores(Batch batch) {
    return guarded(() -> delegate.tokenScores(batch));
  }

  @Override
  public TokenScores tokenScores(Batch batch, int[] prefixOf) {
    return guarded(() -> delegate.tokenScores(batch, prefixOf));
  }

  @Override
  public long steps() {
    return delegate.steps();
  }

  @Override
  public List<Tensor> weights() {
    return delegate.weights();
  }

  @Override
  public void saveState(Path directory) {
    delegate.saveState(directory);
  }

  @Override
  public void restoreState(Path directory) {
    delegate.restoreState(directory);
  }

  @Override
  public void close() {
    delegate.close();
  }

  private <T> T guarded(Supplier<T> call) {
    try {
      return call.get();
    } catch (EngineException e) {
      String m = String.valueOf(e.getMessage());
      if (m.toLowerCase(Locale.ROOT).contains("out of memory")) {
        MemoryPlan plan = guard.checkedPlan();
        throw new BackendException(device + " ran out of memory" + (plan == null ? "" : " (estimate: " + plan.describe()
            + ")") + ": use smaller micro-batches or activation checkpointing; engine said: " + firstLine(m), e);
      }
      throw e;
    }
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
