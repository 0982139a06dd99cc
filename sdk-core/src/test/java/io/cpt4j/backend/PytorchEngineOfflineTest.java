package io.cpt4j.backend;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.cpt4j.engine.internal.DjlSupport;
import org.junit.jupiter.api.Test;

/** The pinned DJL PyTorch engine and CPU natives load from Maven Central jars, offline. */
class PytorchEngineOfflineTest {

  @Test
  void pinnedPytorchEngineRunsOfflineOnCpu() {
    DjlSupport.offline();
    Engine engine = Engine.getEngine("PyTorch");
    assertThat(engine.getVersion()).isEqualTo("2.5.1");
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.create(new float[] {1f, 2f, 3f});
      float[] out = a.mul(2f).add(1f).toFloatArray();
      assertThat(out).containsExactly(3f, 5f, 7f);
      assertThat(a.getDevice().isGpu()).isFalse();
    }
  }
}
