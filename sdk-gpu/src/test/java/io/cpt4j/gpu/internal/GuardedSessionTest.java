package io.cpt4j.gpu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import io.cpt4j.backend.BackendException;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.MemoryPlan;
import io.cpt4j.backend.Precision;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.backend.internal.DjlTrainingSession;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.engine.internal.DjlSupport;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory guard wired into a real session as the GPU backend wires it, run on the CPU device
 * with a fake free-memory reading: a step that does not fit fails before any engine work and leaves
 * the session usable.
 */
class GuardedSessionTest {
  @TempDir Path tmp;

  static final ModelConfig CONFIG = ModelConfig.builder(Architecture.GPT_NEOX).vocabSize(64).hiddenSize(32)
      .intermediateSize(64).numLayers(2).numHeads(4).maxPositionEmbeddings(64).rotaryPct(0.5).build();

  @Test
  void aStepThatDoesNotFitIsRefusedBeforeItRunsAndTheSessionGoesOn() {
    writeCheckpoint(tmp);
    SessionOptions options = SessionOptions.builder().precision(Precision.FP16_MIXED).build();
    // room for the plan of 2 × 16 but not for 64 × 64
    long free = MemoryPlan.estimate(CONFIG, 2, 16, Precision.FP16_MIXED, false).total();
    GpuMemoryGuard guard = new GpuMemoryGuard(CONFIG, options, () -> free, "cuda:9 Fake");
    guard.checkStatic();
    DjlSupport.offline();
    try (Checkpoint ckpt = Checkpoint.open(tmp);
        TrainingSession s = new GpuTrainingSession(new DjlTrainingSession(Engine.getEngine("PyTorch"), Device.cpu(),
            ckpt, ckpt, options, DataType.FLOAT32, guard::check, true), guard, "cuda:9 Fake")) {
      assertThatThrownBy(() -> s.step(List.of(batch(64, 64)), 1e-3)).isInstanceOf(BackendException.class)
          .hasMessageStartingWith("cuda:9 Fake has ").hasMessageContaining("micro-batches of 64 × 64");
      assertThat(s.steps()).isZero();
      assertThat(s.step(List.of(batch(2, 16)), 1e-3).skipped()).isIn(true, false);
      assertThat(guard.checkedPlan().microBatch()).isEqualTo(2);
    }
  }

  private static Batch batch(int rows, int length) {
    Random r = new Random(rows * 31L + length);
    int[][] seqs = new int[rows][length + 1];
    for (int[] q : seqs) {
      for (int i = 0; i < q.length; i++) {
        q[i] = r.nextInt(CONFIG.vocabSize());
      }
    }
    return Batch.causalLm(seqs);
  }

  private static void writeCheckpoint(Path dir) {
    Random r = new Random(5);
    List<Tensor> tensors = CONFIG.expectedTensors().entrySet().stream().map(e -> {
      long[] dims = e.getValue().stream().mapToLong(Long::longValue).toArray();
      float[] data = new float[(int) java.util.Arrays.stream(dims).reduce(1, Math::multiplyExact)];
      boolean norm = e.getKey().contains("layernorm") || e.getKey().contains("layer_norm");
      for (int i = 0; i < data.length; i++) {
        data[i] = norm && e.getKey().endsWith(".weight") ? 1f : (float) (r.nextGaussian() * 0.05);
      }
      return Tensor.ofFloats(e.getKey(), dims, data);
    }).toList();
    CheckpointWriter.to(dir).config(CONFIG).write(tensors);
  }
}
