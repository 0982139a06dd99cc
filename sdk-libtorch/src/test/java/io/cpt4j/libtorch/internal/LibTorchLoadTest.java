package io.cpt4j.libtorch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.backend.BackendException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading needs no libtorch to be checked for its errors; these run everywhere. */
class LibTorchLoadTest {
  @Test
  void aDirectoryWithoutLibtorchIsNamedWithTheFix(@TempDir Path empty) {
    assertThatThrownBy(() -> LibTorch.load(empty))
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("no libtorch in " + empty)
        .hasMessageContaining("CPT4J_LIBTORCH");
  }

  @Test
  void aLoadedLibraryReportsItsStableAbiVersion() {
    LibTorch torch = Torch.require();
    assertThat(torch.version()).matches("2\\.(1[3-9]|[2-9]\\d)\\.\\d+");
    assertThat(torch.library().getFileName().toString()).startsWith("libtorch");
  }
}
