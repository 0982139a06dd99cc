package io.cpt4j.gpu.internal;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.LibUtils;
import io.cpt4j.backend.Backend;
import io.cpt4j.backend.BackendException;
import io.cpt4j.backend.BackendProvider;
import io.cpt4j.engine.internal.DjlSupport;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The CUDA backend on DJL's PyTorch engine (registered in META-INF/services). {@link
 * #unavailableReason()} checks, in order and without loading anything that could crash natively:
 * the NVIDIA kernel module ({@code /proc/driver/nvidia/version}), the driver library ({@code
 * libcuda.so.1}, through the FFM API) and its device count, the CUDA natives DJL would load
 * (class path or {@code PYTORCH_LIBRARY_PATH}); only then does it load the engine and check that
 * the libtorch it loaded has CUDA and sees a device. Thread-safe.
 */
public final class GpuBackendProvider implements BackendProvider {
  private final Supplier<GpuProbe> probe;
  private final Supplier<Optional<String>> natives;
  private final Supplier<Optional<String>> engineCheck;

  /** The real driver, class path and engine. */
  public GpuBackendProvider() {
    this(Driver::get, TorchNatives::problem, GpuBackendProvider::checkEngine);
  }

  GpuBackendProvider(Supplier<GpuProbe> probe, Supplier<Optional<String>> natives,
      Supplier<Optional<String>> engineCheck) {
    this.probe = probe;
    this.natives = natives;
    this.engineCheck = engineCheck;
  }

  @Override
  public String name() {
    return "gpu";
  }

  @Override
  public Optional<String> unavailableReason() {
    GpuProbe p = probe.get();
    Optional<String> driver = p.driverProblem();
    if (driver.isPresent()) {
      return driver;
    }
    int count;
    try {
      count = p.deviceCount();
    } catch (RuntimeException e) {
      return Optional.of("the NVIDIA driver " + p.driverVersion() + " cannot count devices: " + e.getMessage());
    }
    if (count == 0) {
      return Optional.of("the NVIDIA driver " + p.driverVersion() + " reports no CUDA device");
    }
    Optional<String> missing = natives.get();
    if (missing.isPresent()) {
      return missing;
    }
    return engineCheck.get();
  }

  /**
   * The backend on CUDA device {@code device}.
   *
   * @param threads ignored (CPU threads only feed the GPU)
   * @throws BackendException if the GPU is unavailable or {@code device} does not exist
   */
  @Override
  public Backend create(int device, int threads) {
    Optional<String> why = unavailableReason();
    if (why.isPresent()) {
      throw new BackendException("the gpu backend is unavailable: " + why.get());
    }
    GpuProbe p = probe.get();
    int count = p.deviceCount();
    if (device < 0 || device >= count) {
      StringBuilder seen = new StringBuilder();
      for (int i = 0; i < count; i++) {
        seen.append(i == 0 ? "" : ", ").append(p.device(i).describe());
      }
      throw new BackendException("GPU " + device + " does not exist: the NVIDIA driver " + p.driverVersion()
          + " reports " + count + " CUDA device" + (count == 1 ? "" : "s") + " (" + seen + ")");
    }
    return new GpuBackend(p, p.device(device));
  }

  private static volatile Optional<String> engineResult;

  /**
   * Loads DJL's PyTorch engine (CUDA natives are known to be there) and checks it can use CUDA; the
   * answer is kept (the engine loads once per JVM).
   */
  static Optional<String> checkEngine() {
    Optional<String> r = engineResult;
    if (r == null) {
      synchronized (GpuBackendProvider.class) {
        r = engineResult;
        if (r == null) {
          r = loadAndTryEngine();
          engineResult = r;
        }
      }
    }
    return r;
  }

  private static Optional<String> loadAndTryEngine() {
    DjlSupport.offline();
    Engine engine;
    try {
      engine = Engine.getEngine("PyTorch");
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      return Optional.of("DJL's PyTorch engine did not load its CUDA natives (" + TorchNatives.settings() + "): " + e);
    }
    if (!engine.hasCapability("CUDA")) {
      return Optional.of("DJL's PyTorch engine loaded a libtorch without CUDA (" + LibUtils.getLibtorchPath()
          + "): with several pytorch-native jars on the class path DJL picks by the CUDA runtime it finds; "
          + "remove ai.djl.pytorch:pytorch-native-cpu or set PYTORCH_FLAVOR=cu124");
    }
    // Engine.getGpuCount() asks a system libcudart through JNA, which a pip-installed PyTorch does
    // not provide; a one-element array on cuda:0 asks the loaded libtorch itself (errors there are
    // C++ exceptions that DJL turns into EngineException, not crashes).
    try (NDManager m = engine.newBaseManager(Device.gpu(0))) {
      m.zeros(new Shape(1)).toFloatArray();
    } catch (RuntimeException e) {
      return Optional.of("DJL's PyTorch engine has CUDA (" + LibUtils.getLibtorchPath()
          + ") but cannot use cuda:0 (CUDA_VISIBLE_DEVICES=" + System.getenv("CUDA_VISIBLE_DEVICES") + "): "
          + e.getMessage());
    }
    return Optional.empty();
  }

  /** The driver, probed once per JVM. */
  private static final class Driver {
    private static final CudaDriver INSTANCE = CudaDriver.load();

    static GpuProbe get() {
      return INSTANCE;
    }
  }
}
