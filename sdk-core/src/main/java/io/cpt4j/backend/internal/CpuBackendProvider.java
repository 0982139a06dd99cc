package io.cpt4j.backend.internal;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import io.cpt4j.backend.Backend;
import io.cpt4j.backend.BackendException;
import io.cpt4j.backend.BackendProvider;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.engine.internal.DjlSupport;
import java.util.Optional;

/** The CPU backend on DJL's PyTorch engine (registered in META-INF/services). */
public final class CpuBackendProvider implements BackendProvider {

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public Optional<String> unavailableReason() {
    return Optional.empty();
  }

  @Override
  public Backend create(int device, int threads) {
    int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    return new CpuBackend(n, DataType.FLOAT32);
  }

  /** The CPU backend; {@code masterType} FLOAT64 is for numerical tests. */
  public static Backend create(int threads, DataType masterType) {
    return new CpuBackend(threads, masterType);
  }

  private record CpuBackend(int threads, DataType masterType) implements Backend {

    @Override
    public String name() {
      return "cpu";
    }

    @Override
    public String description() {
      return "cpu (" + threads + " threads, PyTorch " + engine().getVersion() + ")";
    }

    @Override
    public TrainingSession open(Checkpoint checkpoint, Checkpoint reference, SessionOptions options) {
      Engine engine = engine();
      JniUtils.setNumThreads(threads);
      return new DjlTrainingSession(engine, Device.cpu(), checkpoint, reference, options, masterType, batches -> {},
          false);
    }

    private static Engine engine() {
      DjlSupport.offline();
      try {
        return Engine.getEngine("PyTorch");
      } catch (RuntimeException | UnsatisfiedLinkError e) {
        throw new BackendException("the PyTorch engine did not load (CPU natives "
            + "ai.djl.pytorch:pytorch-native-cpu:2.5.1:linux-x86_64 must be on the class path): " + e.getMessage(), e);
      }
    }
  }
}
