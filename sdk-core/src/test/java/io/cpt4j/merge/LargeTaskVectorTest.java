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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Task vectors, grafting and analytics on a checkpoint whose largest tensor (168 M elements, 671 MB
 * as float32) is larger than the 512 MB heap of the {@code large-low-heap} execution: they pass only
 * if values stream chunk by chunk, not tensor by tensor. Run alone with {@code ./mvnw -B -o test -pl
 * sdk-core -Dtest=LargeTaskVectorTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("large")
class LargeTaskVectorTest {
  private Path dir;

  @BeforeEach
  void createDirectoryUnderTarget() throws IOException {
    dir = LargeFixtures.directoryUnderTarget("large-vectors-");
  }

  @AfterEach
  void deleteFiles() throws IOException {
    LargeFixtures.deleteTree(dir);
  }

  Checkpoint write(String name, ModelConfig config, long model) {
    return LargeMergeTest.write(dir.resolve(name), config, model);
  }

  /** Checks {@code got} against {@code want(i)} on a few slices of the tensor (all of it would not fit). */
  static void assertSlices(Tensor got, java.util.function.LongToDoubleFunction want) {
    long n = got.elementCount();
    float[] buf = new float[4096];
    for (long from : new long[] {0, n / 3, n / 2 + 17, n - buf.length}) {
      got.readFloats(from, buf, 0, buf.length);
      for (int i = 0; i < buf.length; i++) {
        assertThat((double) buf[i]).as("%s[%d]", got.name(), from + i).isEqualTo(want.applyAsDouble(from + i));
      }
    }
  }

  @Test
  void vectorsGraftsAndSimilarityStreamTensorsLargerThanTheHeap() {
    assertThat(Runtime.getRuntime().maxMemory()).as("run in the -Xmx512m execution").isLessThan(600L << 20);
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(163840).hiddenSize(1024)
        .intermediateSize(512).numLayers(1).numHeads(8).tieWordEmbeddings(true).build();
    String embed = "model.embed_tokens.weight";
    try (Checkpoint base = write("base", config, 0); Checkpoint tuned = write("tuned", config, 1)) {
      long big = base.tensor(embed).elementCount();
      assertThat(4 * big).isGreaterThan(Runtime.getRuntime().maxMemory());
      int embedIndex = base.tensors().stream().map(TensorInfo::name).toList().indexOf(embed);
      long saltBase = embedIndex;
      long saltTuned = 1000 + embedIndex;

      TaskVector v = TaskVector.between(base, tuned);
      Path file = dir.resolve("vector.safetensors");
      v.save(file);
      try (TaskVector.Stored loaded = TaskVector.load(file)) {
        assertSlices(loaded.store().tensor(embed),
            i -> LargeMergeTest.value(saltTuned, i) - LargeMergeTest.value(saltBase, i));
      }

      MergeReport applied = v.applyTo(base).writeTo(dir.resolve("applied"));
      assertThat(applied.mergedTensors()).isEqualTo(base.tensors().size());
      try (Checkpoint out = Checkpoint.open(dir.resolve("applied"))) {
        assertSlices(out.tensor(embed), i -> LargeMergeTest.value(saltTuned, i));
      }

      GraftReport graft = Graft.topGlobal(base, tuned, 0.01).writeTo(dir.resolve("grafted"));
      long k = (long) (0.01 * base.parameterCount());
      assertThat(graft.grafted()).isEqualTo(k);
      assertThat(graft.tensors().stream().mapToLong(GraftReport.TensorGraft::grafted).sum()).isEqualTo(k);

      SimilarityReport s = VectorSimilarity.of(List.of(v, v.times(-1)), List.of("v", "-v")).compute();
      assertThat(s.overall().pair(0, 1).cosine()).isCloseTo(-1, org.assertj.core.data.Offset.offset(1e-12));
      assertThat(s.overall().pair(0, 1).topOverlap()).isEqualTo(1.0);
      System.out.printf("large task vectors: apply %.1f s, graft %.1f s, max heap %d MB%n",
          applied.elapsed().toMillis() / 1000.0, graft.elapsed().toMillis() / 1000.0,
          Runtime.getRuntime().maxMemory() >> 20);
    }
  }
}
