package io.cpt4j.gpu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.backend.Backend;
import io.cpt4j.backend.BackendException;
import io.cpt4j.backend.Backends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device choice and the messages of an unavailable GPU: the real probe on this machine (no GPU in
 * CI), and fake drivers and environments for every other case.
 */
class GpuAvailabilityTest {
  @TempDir Path tmp;

  private static final boolean NO_DRIVER = !Files.exists(CudaDriver.DRIVER_VERSION_FILE);

  @Test
  void theGpuProviderIsRegistered() {
    assertThat(Backends.registered()).contains("cpu", "gpu");
  }

  @Test
  void withoutADriverGpuFailsNamingTheMissingDriverAndAutoFallsBackToTheCpu() {
    org.junit.jupiter.api.Assumptions.assumeTrue(NO_DRIVER, "this machine has an NVIDIA driver");
    assertThat(new GpuBackendProvider().unavailableReason()).hasValueSatisfying(r -> assertThat(r)
        .startsWith("no NVIDIA driver: /proc/driver/nvidia/version does not exist"));
    assertThatThrownBy(Backends::gpu).isInstanceOf(BackendException.class)
        .hasMessage("the gpu backend is unavailable: no NVIDIA driver: /proc/driver/nvidia/version does not exist "
            + "(the nvidia kernel module is not loaded, or this machine or container has no GPU)");
    assertThatThrownBy(() -> Backends.gpu(1)).isInstanceOf(BackendException.class).hasMessageContaining("no NVIDIA driver");

    List<String> logged = new ArrayList<>();
    Logger log = Logger.getLogger(Backends.class.getName());
    Handler h = new Handler() {
      @Override
      public void publish(LogRecord r) {
        logged.add(r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    log.addHandler(h);
    try {
      Backend b = Backends.auto();
      assertThat(b.name()).isEqualTo("cpu");
    } finally {
      log.removeHandler(h);
    }
    assertThat(logged).anySatisfy(m -> assertThat(m).startsWith("cpt4j backend: cpu (")
        .contains("(no GPU: no NVIDIA driver: /proc/driver/nvidia/version does not exist"));
  }

  @Test
  void eachMissingPieceIsNamedInOrder() {
    FakeProbe noLib = new FakeProbe(Optional.of("the NVIDIA kernel module is loaded but the driver library libcuda.so.1 "
        + "cannot be loaded"), 0);
    assertThat(provider(noLib, Optional.empty(), Optional.empty()).unavailableReason())
        .hasValueSatisfying(r -> assertThat(r).contains("libcuda.so.1 cannot be loaded"));

    FakeProbe noDevice = new FakeProbe(Optional.empty(), 0);
    assertThat(provider(noDevice, Optional.empty(), Optional.empty()).unavailableReason())
        .hasValue("the NVIDIA driver 550.54.15 reports no CUDA device");

    FakeProbe one = new FakeProbe(Optional.empty(), 1);
    Optional<String> natives = TorchNatives.problem(k -> null, List.of("cpu"));
    assertThat(provider(one, natives, Optional.empty()).unavailableReason()).hasValueSatisfying(r -> assertThat(r)
        .startsWith("no CUDA natives on the class path (found PyTorch natives: cpu): add "
            + "ai.djl.pytorch:pytorch-native-cu124:2.5.1:linux-x86_64"));

    Optional<String> engine = Optional.of("DJL's PyTorch engine loaded a libtorch without CUDA (/x)");
    assertThat(provider(one, Optional.empty(), engine).unavailableReason()).isEqualTo(engine);
    assertThat(provider(one, Optional.empty(), Optional.empty()).unavailableReason()).isEmpty();
  }

  @Test
  void aDeviceIndexOutOfRangeNamesTheDevicesThereAre() {
    GpuBackendProvider p = provider(new FakeProbe(Optional.empty(), 1), Optional.empty(), Optional.empty());
    assertThatThrownBy(() -> p.create(1, 0)).isInstanceOf(BackendException.class).hasMessage(
        "GPU 1 does not exist: the NVIDIA driver 550.54.15 reports 1 CUDA device (cuda:0 Fake GPU (sm_90, 80.0 GiB))");
    assertThatThrownBy(() -> p.create(-1, 0)).isInstanceOf(BackendException.class).hasMessageContaining("GPU -1 does not exist");
    GpuBackendProvider two = provider(new FakeProbe(Optional.empty(), 2), Optional.empty(), Optional.empty());
    assertThatThrownBy(() -> two.create(5, 0)).hasMessageContaining("reports 2 CUDA devices (cuda:0 Fake GPU (sm_90, "
        + "80.0 GiB), cuda:1 Fake GPU (sm_90, 80.0 GiB))");
    Backend ok = two.create(1, 0);
    assertThat(ok.name()).isEqualTo("gpu");
    assertThat(((GpuBackend) ok).deviceIndex()).isEqualTo(1);
  }

  @Test
  void theNativesCheckReadsTheClassPathAndTheSettingsDjlReads() throws Exception {
    // the default build has the CPU natives only
    assertThat(TorchNatives.classPathFlavors(getClass().getClassLoader())).containsExactly("cpu");
    assertThat(TorchNatives.problem(k -> null, List.of("cpu", "cu124"))).isEmpty();
    assertThat(TorchNatives.problem(k -> null, List.of())).hasValueSatisfying(r -> assertThat(r)
        .contains("(found PyTorch natives: none)").contains("PYTORCH_LIBRARY_PATH"));
    assertThat(TorchNatives.problem(Map.of("PYTORCH_FLAVOR", "cpu")::get, List.of("cpu", "cu124")))
        .hasValue("PYTORCH_FLAVOR=cpu makes DJL load CPU natives");

    Path missing = tmp.resolve("nothing-here");
    assertThat(TorchNatives.problem(Map.of("PYTORCH_LIBRARY_PATH", missing.toString())::get, List.of("cpu")))
        .hasValue("PYTORCH_LIBRARY_PATH=" + missing + " is not a directory");
    Path cpuOnly = Files.createDirectories(tmp.resolve("libtorch-cpu"));
    Files.createFile(cpuOnly.resolve("libtorch_cpu.so"));
    assertThat(TorchNatives.problem(Map.of("PYTORCH_LIBRARY_PATH", cpuOnly.toString())::get, List.of("cpu")))
        .hasValue("PYTORCH_LIBRARY_PATH=" + cpuOnly + " holds no libtorch_cuda.so (a CPU-only libtorch)");
    Path cuda = Files.createDirectories(tmp.resolve("libtorch-cuda"));
    Files.createFile(cuda.resolve("libtorch_cuda.so"));
    assertThat(TorchNatives.problem(Map.of("PYTORCH_LIBRARY_PATH", cuda.toString())::get, List.of("cpu"))).isEmpty();
  }

  @Test
  void cudaErrorCodesHaveNames() {
    assertThat(CudaDriver.errorName(100)).isEqualTo("CUDA_ERROR_NO_DEVICE");
    assertThat(CudaDriver.errorName(35)).isEqualTo("CUDA_ERROR_INSUFFICIENT_DRIVER");
    assertThat(CudaDriver.errorName(12345)).isEqualTo("see cuda.h");
  }

  private static GpuBackendProvider provider(GpuProbe probe, Optional<String> natives, Optional<String> engine) {
    return new GpuBackendProvider(() -> probe, () -> natives, () -> engine);
  }

  /** A driver that answers from fields. */
  record FakeProbe(Optional<String> driverProblem, int deviceCount) implements GpuProbe {
    @Override
    public String driverVersion() {
      return "550.54.15";
    }

    @Override
    public DeviceInfo device(int index) {
      return new DeviceInfo(index, "Fake GPU", 80L << 30, 9, 0);
    }

    @Override
    public long freeMemory(int index) {
      return 70L << 30;
    }
  }
}
