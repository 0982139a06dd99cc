package io.cpt4j.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Backends are found through ServiceLoader; a missing GPU is a clear error, auto() falls back. */
class BackendsTest {

  @Test
  void theCpuBackendIsRegisteredAndDescribesItself() {
    assertThat(Backends.registered()).contains("cpu");
    Backend cpu = Backends.cpu(1);
    assertThat(cpu.name()).isEqualTo("cpu");
    assertThat(cpu.description()).contains("1 threads").contains("PyTorch 2.5.1");
    assertThat(Backends.cpu().description()).contains(Runtime.getRuntime().availableProcessors() + " threads");
  }

  @Test
  void askingForAGpuWithoutTheGpuModuleSaysWhatIsMissing() {
    assertThatThrownBy(Backends::gpu).isInstanceOf(BackendException.class)
        .hasMessageContaining("no 'gpu' backend").hasMessageContaining("sdk-gpu");
  }

  @Test
  void autoFallsBackToTheCpu() {
    assertThat(Backends.auto().name()).isEqualTo("cpu");
  }

  @Test
  void negativeThreadCountsAreRejected() {
    assertThatThrownBy(() -> Backends.cpu(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
