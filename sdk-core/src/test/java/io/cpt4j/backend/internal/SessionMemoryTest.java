package io.cpt4j.backend.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.backend.Backends;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-step arrays are freed every step: engine arrays, heap and native memory stay flat. */
class SessionMemoryTest {
  @TempDir Path tmp;

  @Test
  void heapAndNativeMemoryStayFlatOverAThousandSteps() throws IOException {
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(32).hiddenSize(16)
        .intermediateSize(32).numLayers(1).numHeads(2).maxPositionEmbeddings(64).build();
    Batch batch = io.cpt4j.backend.TestSessions.randomBatch(config.vocabSize(), 2, 8, 1);
    try (Checkpoint ckpt = io.cpt4j.backend.TestSessions.tinyCheckpoint(tmp.resolve("m"), config, 1);
        TrainingSession s = Backends.cpu().open(ckpt, SessionOptions.defaults().withActivationCheckpointing(true))) {
      DjlTrainingSession session = (DjlTrainingSession) s;
      for (int i = 0; i < 300; i++) { // warm-up: optimizer state, malloc arenas of every thread, JIT
        s.step(List.of(batch), 1e-3);
        s.loss(batch);
      }
      int arrays = session.liveArrays();
      long heap = usedHeapAfterGc();
      long rss = residentBytes();
      for (int i = 0; i < 700; i++) {
        s.step(List.of(batch), 1e-3);
        s.loss(batch);
        s.tokenLosses(batch);
      }
      assertThat(session.liveArrays()).as("engine arrays held by the session").isEqualTo(arrays);
      assertThat(usedHeapAfterGc() - heap).as("heap growth in bytes").isLessThan(16L << 20);
      assertThat(residentBytes() - rss).as("resident memory growth in bytes").isLessThan(32L << 20);
    }
  }

  private static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  /** VmRSS of this process (Linux); 0 elsewhere, which makes the native check vacuous there. */
  private static long residentBytes() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return 0;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return 0;
  }
}
