package io.cpt4j.gpu.internal;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import io.cpt4j.backend.Backend;
import io.cpt4j.backend.BackendException;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.backend.internal.DjlTrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.engine.internal.DjlSupport;

/**
 * One CUDA device. Sessions are sdk-core's {@link DjlTrainingSession} on {@code Device.gpu(i)}: the
 * same decoder, AdamW, activation checkpointing and FP16 loss scaling as the CPU backend, with a
 * {@link GpuMemoryGuard} checking memory before the weights load and before steps of new shapes.
 * Thread-safe.
 */
final class GpuBackend implements Backend {
  private final GpuProbe probe;
  private final GpuProbe.DeviceInfo info;

  GpuBackend(GpuProbe probe, GpuProbe.DeviceInfo info) {
    this.probe = probe;
    this.info = info;
  }

  @Override
  public String name() {
    return "gpu";
  }

  @Override
  public String description() {
    return "gpu (" + info.describe() + ", driver " + probe.driverVersion() + ", PyTorch " + engine().getVersion() + ")";
  }

  /** The CUDA ordinal of this backend's device. */
  int deviceIndex() {
    return info.index();
  }

  @Override
  public TrainingSession open(Checkpoint checkpoint, Checkpoint reference, SessionOptions options) {
    Engine engine = engine();
    GpuMemoryGuard guard = new GpuMemoryGuard(checkpoint.config(), options, () -> probe.freeMemory(info.index()),
        info.describe());
    guard.checkStatic();
    DjlTrainingSession session;
    try {
      session = new DjlTrainingSession(engine, Device.gpu(info.index()), checkpoint, reference, options,
          DataType.FLOAT32, guard::check, true);
    } catch (ai.djl.engine.EngineException e) {
      throw new BackendException("loading " + checkpoint.config().parameterCount() + " parameters onto "
          + info.describe() + " failed: " + e.getMessage(), e);
    }
    return new GpuTrainingSession(session, guard, info.describe());
  }

  private static Engine engine() {
    DjlSupport.offline();
    try {
      return Engine.getEngine("PyTorch");
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new BackendException("the PyTorch engine did not load (" + TorchNatives.settings() + "): " + e.getMessage(), e);
    }
  }
}
