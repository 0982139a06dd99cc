package io.cpt4j.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.checkpoint.LargeFixtures.Generated;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint of more than 2 GiB, written and read back through a 512 MB heap (the {@code
 * large-low-heap} surefire execution of sdk-core): tensor data is generated on the fly, never held
 * in memory, and every value is checked after reading in chunks, including a tensor that lies
 * entirely beyond the 2 GiB offset. Run alone with {@code ./mvnw -B -o test -pl sdk-core
 * -Dtest=LargeCheckpointTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("large")
class LargeCheckpointTest {
  private static final long TWO_GIB = 1L << 31;
  private static final int CHUNK = 1 << 20;

  private Path dir;

  @BeforeEach
  void createDirectoryUnderTarget() throws IOException {
    dir = LargeFixtures.directoryUnderTarget("large-checkpoint-");
  }

  @AfterEach
  void deleteFiles() throws IOException {
    LargeFixtures.deleteTree(dir);
  }

  /** A value exactly representable in float that differs between neighbours and between tensors. */
  static float value(long salt, long index) {
    int v = (int) ((index * 0x9E3779B1L + salt * 0x632BE5ABL) & 0xFFFFFF);
    return v * 0x1p-20f - 8f;
  }

  @Test
  void aCheckpointLargerThan2GiBIsWrittenAndReadInChunksWithinASmallHeap() {
    assertThat(Runtime.getRuntime().maxMemory()).as("run in the -Xmx512m execution").isLessThan(600L << 20);
    // Pythia-like: 9 layers of width 2048; 659,273,728 parameters, 2,637,094,912 bytes (2.46 GiB) in F32;
    // the last tensor, embed_out.weight (412 MB), starts at data offset 2,225,004,544.
    ModelConfig config = ModelConfig.builder(Architecture.GPT_NEOX)
        .vocabSize(50304).hiddenSize(2048).intermediateSize(8192).numLayers(9).numHeads(16).build();
    List<Tensor> tensors = new ArrayList<>();
    config.expectedTensors().forEach((name, shape) -> tensors.add(new Generated(
        new TensorInfo(name, DType.F32, shape), tensors.size(), LargeCheckpointTest::value)));
    long totalBytes = tensors.stream().mapToLong(t -> t.info().byteSize()).sum();
    assertThat(totalBytes).isEqualTo(4 * config.parameterCount()).isGreaterThan(TWO_GIB + (64L << 20));

    Path ckpt = dir.resolve("ckpt");
    long[] progress = new long[2];
    CheckpointWriter.to(ckpt).config(config).progress((done, total) -> {
      progress[0] = done;
      progress[1] = total;
    }).write(tensors);
    assertThat(progress).containsExactly(totalBytes, totalBytes);

    Path file = ckpt.resolve("model.safetensors");
    long dataStart = 8 + TestCheckpoints.headerLength(file);
    assertThat(file).hasSize(dataStart + totalBytes);
    JsonNode last = TestCheckpoints.header(file).get("embed_out.weight").get("data_offsets");
    assertThat(dataStart + last.get(0).asLong()).as("embed_out.weight starts beyond 2 GiB").isGreaterThan(TWO_GIB);

    try (Checkpoint c = Checkpoint.open(ckpt)) {
      assertThat(c.metadata()).isEqualTo(Map.of("format", "pt"));
      assertThat(c.parameterCount()).isEqualTo(config.parameterCount());
      float[] chunk = new float[CHUNK];
      for (Tensor expected : tensors) {
        Tensor t = c.tensor(expected.name());
        assertThat(t.info()).isEqualTo(expected.info());
        long salt = ((Generated) expected).salt();
        for (long from = 0; from < t.elementCount(); from += CHUNK) {
          int n = (int) Math.min(CHUNK, t.elementCount() - from);
          t.readFloats(from, chunk, 0, n);
          for (int i = 0; i < n; i++) {
            if (chunk[i] != value(salt, from + i)) {
              throw new AssertionError(t.name() + "[" + (from + i) + "] is " + chunk[i] + ", expected " + value(salt, from + i));
            }
          }
        }
      }
      // A read that straddles chunk boundaries of the last tensor, far past 2 GiB.
      Tensor out = c.tensor("embed_out.weight");
      long at = out.elementCount() - 12_345;
      float[] tail = new float[12_345];
      out.readFloats(at, tail, 0, tail.length);
      assertThat(tail[0]).isEqualTo(value(((Generated) tensors.getLast()).salt(), at));
      assertThat(tail[tail.length - 1]).isEqualTo(value(((Generated) tensors.getLast()).salt(), out.elementCount() - 1));
    }
  }
}
