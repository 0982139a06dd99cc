package io.cpt4j.gpu.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.backend.BackendException;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.MemoryPlan;
import io.cpt4j.backend.Precision;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The early out-of-memory failure, with a fake free-memory reading. */
class GpuMemoryGuardTest {
  static final ModelConfig PYTHIA_160M = ModelConfig.builder(Architecture.GPT_NEOX).vocabSize(50304).hiddenSize(768)
      .intermediateSize(3072).numLayers(12).numHeads(12).maxPositionEmbeddings(2048).rotaryPct(0.25)
      .parallelResidual(true).tieWordEmbeddings(false).build();
  static final SessionOptions FP16 = SessionOptions.builder().precision(Precision.FP16_MIXED).build();

  private static Batch rows(int rows, int length) {
    int n = rows * length;
    float[] w = new float[n];
    java.util.Arrays.fill(w, 1f);
    return new Batch(rows, length, new int[n], new int[n], w, new int[n]);
  }

  @Test
  void aStepThatCannotFitFailsBeforeRunningWithTheEstimateAndASuggestion() {
    AtomicLong free = new AtomicLong(16L << 30); // a 16 GiB card
    GpuMemoryGuard guard = new GpuMemoryGuard(PYTHIA_160M, FP16, free::get, "cuda:0 Fake GPU (sm_90, 16.0 GiB)");
    guard.checkStatic();
    // after loading, the float32 masters (4P) are on the device
    free.addAndGet(-4 * PYTHIA_160M.parameterCount());
    MemoryPlan plan = MemoryPlan.estimate(PYTHIA_160M, 8, 1024, Precision.FP16_MIXED, false);
    assertThatThrownBy(() -> guard.check(List.of(rows(8, 1024), rows(8, 1024))))
        .isInstanceOf(BackendException.class)
        .hasMessageStartingWith("cuda:0 Fake GPU (sm_90, 16.0 GiB) has 15.4 GiB free and this session holds about "
            + "619 MiB, but training on micro-batches of 8 × 1024 needs about 18.3 GiB (" + plan.describe() + "): ")
        .hasMessageEndingWith("turn on activation checkpointing (SessionOptions.Builder.activationCheckpointing(true))"
            + ": estimate 7.91 GiB");
  }

  @Test
  void theModelAloneNotFittingFailsBeforeLoading() {
    GpuMemoryGuard guard = new GpuMemoryGuard(PYTHIA_160M, FP16, () -> 1L << 30, "cuda:0 Small");
    assertThatThrownBy(guard::checkStatic).isInstanceOf(BackendException.class)
        .hasMessageStartingWith("cuda:0 Small has 1.00 GiB free but the model's weights, gradients and AdamW moments "
            + "alone need about 2.72 GiB")
        .hasMessageEndingWith("use a device with more memory");
  }

  @Test
  void onlyShapesLargerThanAnyCheckedAreCheckedAgain() {
    AtomicInteger reads = new AtomicInteger();
    SessionOptions fp16Ckpt = FP16.newBuilder().activationCheckpointing(true).build();
    GpuMemoryGuard guard = new GpuMemoryGuard(PYTHIA_160M, fp16Ckpt, () -> {
      reads.incrementAndGet();
      return 40L << 30;
    }, "cuda:0 Fake");
    guard.checkStatic();
    guard.check(List.of(rows(2, 1024)));
    assertThat(guard.checkedPlan().microBatch()).isEqualTo(2);
    int after = reads.get();
    guard.check(List.of(rows(2, 1024)));
    guard.check(List.of(rows(1, 512)));
    assertThat(reads.get()).as("free memory reads").isEqualTo(after);
    guard.check(List.of(rows(1, 512), rows(4, 1024)));
    assertThat(reads.get()).isEqualTo(after + 1);
    assertThat(guard.checkedPlan().microBatch()).isEqualTo(4);
  }
}
