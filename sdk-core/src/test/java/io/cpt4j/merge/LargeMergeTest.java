package io.cpt4j.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.LargeFixtures;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A TIES merge of three BF16 checkpoints whose float32 values (3 × 453 MB) could not be held in the
 * 512 MB heap of the {@code large-low-heap} execution: it passes only if the merge streams tensor by
 * tensor. Run alone with {@code ./mvnw -B -o test -pl sdk-core -Dtest=LargeMergeTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (the default execution excludes the "large" tag; the
 * large-low-heap one runs it).
 */
@Tag("large")
class LargeMergeTest {
  private Path dir;

  @BeforeEach
  void createDirectoryUnderTarget() throws IOException {
    dir = LargeFixtures.directoryUnderTarget("large-merge-");
  }

  @AfterEach
  void deleteFiles() throws IOException {
    LargeFixtures.deleteTree(dir);
  }

  /** A small exactly-BF16 value that differs between elements, tensors and models. */
  static float value(long salt, long index) {
    int v = (int) ((index * 0x9E3779B1L + salt * 0x632BE5ABL) & 0xFF);
    return (v - 128) * 0x1p-10f;
  }

  Checkpoint write(String name, ModelConfig config, long model) {
    return write(dir.resolve(name), config, model);
  }

  /** A BF16 checkpoint of {@code config} in {@code dir} whose tensor j holds {@link #value} with salt 1000·model + j. */
  static Checkpoint write(Path dir, ModelConfig config, long model) {
    List<Tensor> tensors = new ArrayList<>();
    config.expectedTensors().forEach((t, shape) -> tensors.add(new LargeFixtures.Generated(
        new TensorInfo(t, DType.BF16, shape), model * 1000 + tensors.size(), LargeMergeTest::value)));
    CheckpointWriter.to(dir).config(config).dtype(DType.BF16).write(tensors);
    return Checkpoint.open(dir);
  }

  /**
   * 113 M parameters: 226 MB per BF16 checkpoint, 453 MB as float32; largest tensor 8.4 M elements
   * (checks that the test runs in the 512 MB heap).
   */
  static ModelConfig largerThanTheHeap() {
    assertThat(Runtime.getRuntime().maxMemory()).as("run in the -Xmx512m execution").isLessThan(600L << 20);
    return ModelConfig.builder(Architecture.GPT_NEOX)
        .vocabSize(8192).hiddenSize(1024).intermediateSize(4096).numLayers(8).numHeads(8).build();
  }

  @Test
  void tiesOverThreeCheckpointsLargerThanTheHeapStreams() {
    ModelConfig config = largerThanTheHeap();
    try (Checkpoint base = write("base", config, 0);
        Checkpoint a = write("a", config, 1);
        Checkpoint b = write("b", config, 2)) {
      assertThat(4 * config.parameterCount() * 3).isGreaterThan(Runtime.getRuntime().maxMemory() * 2);
      MergeReport report = Merge.builder(new MergeMethod.Ties(), base)
          .model(new MergeInput(a, 1, 0.5)).model(new MergeInput(b, 1, 0.5)).build().writeTo(dir.resolve("out"));
      assertThat(report.mergedTensors()).isEqualTo(base.tensors().size());
      try (Checkpoint out = Checkpoint.open(dir.resolve("out"))) {
        assertThat(out.parameterCount()).isEqualTo(config.parameterCount());
        assertThat(out.tensors()).allMatch(t -> t.dtype() == DType.BF16);
        // a 1-D tensor checked in full against TIES by hand (tiny enough for the heap)
        String name = out.tensors().stream().filter(t -> t.shape().size() == 1).findFirst().orElseThrow().name();
        float[] o = base.tensor(name).toFloatArray();
        float[] x = a.tensor(name).toFloatArray();
        float[] y = b.tensor(name).toFloatArray();
        float[] got = out.tensor(name).toFloatArray();
        assertThat(got).hasSize(o.length);
        for (float v : got) {
          assertThat(v).isBetween(-1f, 1f);
        }
        // every output entry lies between the base and the most extreme agreeing model (a sanity bound)
        for (int i = 0; i < o.length; i++) {
          float lo = Math.min(o[i], Math.min(x[i], y[i]));
          float hi = Math.max(o[i], Math.max(x[i], y[i]));
          assertThat((double) got[i]).isBetween(lo - 0.01, hi + 0.01);
        }
      }
      System.out.printf("large TIES merge: %.1f s, %d MB input read, max heap %d MB%n",
          report.elapsed().toMillis() / 1000.0, report.inputBytes() >> 20, Runtime.getRuntime().maxMemory() >> 20);
    }
  }

  /** DELLA (rows ranked a row at a time) and SCE (three phase-1 passes) stream in the same heap. */
  @Test
  void dellaAndSceOverCheckpointsLargerThanTheHeapStream() {
    ModelConfig config = largerThanTheHeap();
    try (Checkpoint base = write("base", config, 0);
        Checkpoint a = write("a", config, 1);
        Checkpoint b = write("b", config, 2)) {
      for (MergeMethod m : List.of(new MergeMethod.Della(1, true, 0.1, 3), new MergeMethod.Sce(0.5))) {
        Path out = dir.resolve(m.name());
        MergeReport report = Merge.builder(m, base).model(new MergeInput(a, 1, 0.5)).model(new MergeInput(b, 1, 0.5))
            .build().writeTo(out);
        assertThat(report.mergedTensors()).isEqualTo(base.tensors().size());
        try (Checkpoint merged = Checkpoint.open(out)) {
          assertThat(merged.parameterCount()).isEqualTo(config.parameterCount());
        }
        System.out.printf("large %s merge: %.1f s, max heap %d MB%n", m.name(), report.elapsed().toMillis() / 1000.0,
            Runtime.getRuntime().maxMemory() >> 20);
      }
    }
  }
}
