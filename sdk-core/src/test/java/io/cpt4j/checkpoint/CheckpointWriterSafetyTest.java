package io.cpt4j.checkpoint;

import static io.cpt4j.checkpoint.TestCheckpoints.bits;
import static io.cpt4j.checkpoint.TestCheckpoints.list;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer never leaves a half-written checkpoint under the final name, never leaves its hidden
 * staging directory behind, and never replaces an existing checkpoint unless asked to.
 */
class CheckpointWriterSafetyTest {
  @TempDir Path tmp;

  /**
   * An F32 tensor of {@code count} elements (value = index) generated on the fly, whose reads fail
   * with {@code failure} once they reach element {@code failAt}. The writer reads in chunks of about
   * a million elements, so several chunks are written before the failure.
   */
  record FailingTensor(TensorInfo info, long failAt, RuntimeException failure) implements Tensor {
    FailingTensor(String name, long count, long failAt, RuntimeException failure) {
      this(TensorInfo.of(name, DType.F32, count), failAt, failure);
    }

    @Override
    public MemorySegment bytes() {
      throw new UnsupportedOperationException("generated tensor: read it with readFloats");
    }

    @Override
    public void readFloats(long fromElement, float[] dst, int offset, int length) {
      if (fromElement + length > failAt) {
        throw failure;
      }
      for (int i = 0; i < length; i++) {
        dst[offset + i] = fromElement + i;
      }
    }
  }

  private static UncheckedIOException diskError() {
    return new UncheckedIOException(new IOException("simulated read error"));
  }

  private static List<Tensor> smallThenFailing(RuntimeException failure) {
    List<Tensor> tensors = new ArrayList<>();
    tensors.add(Tensor.ofFloats("first", new long[] {4}, new float[] {1, 2, 3, 4}));
    tensors.add(new FailingTensor("failing", 3_000_000, 2_500_000, failure));
    return tensors;
  }

  private void assertNoHiddenLeftovers() {
    assertThat(list(tmp)).noneMatch(name -> name.startsWith("."));
  }

  @Test
  void aTensorFailingMidwayLeavesNeitherCheckpointNorStagingDirectory() {
    Path target = tmp.resolve("out");
    UncheckedIOException failure = diskError();
    assertThatThrownBy(() -> CheckpointWriter.to(target).dtype(DType.BF16).write(smallThenFailing(failure)))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("out")
        .hasRootCauseMessage("simulated read error");
    assertThat(target).doesNotExist();
    assertNoHiddenLeftovers();
    assertThat(list(tmp)).isEmpty();
  }

  @Test
  void aTensorFailingInALaterShardLeavesNoShardsBehind() {
    Path target = tmp.resolve("sharded");
    List<Tensor> tensors = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      tensors.add(Tensor.ofFloats("t" + i, new long[] {1000}, new float[1000]));
    }
    tensors.addAll(smallThenFailing(diskError()));
    assertThatThrownBy(() -> CheckpointWriter.to(target).dtype(DType.F16).maxShardSize(2000).write(tensors))
        .isInstanceOf(CheckpointException.class);
    assertThat(target).doesNotExist();
    assertThat(list(tmp)).isEmpty();
  }

  @Test
  void aTensorFailingWithAProgrammingErrorStillLeavesNothingBehind() {
    IllegalStateException failure = new IllegalStateException("bug in a tensor source");
    Throwable thrown = catchThrowable(
        () -> CheckpointWriter.to(tmp.resolve("out")).dtype(DType.BF16).write(smallThenFailing(failure)));
    assertThat(thrown).satisfiesAnyOf(t -> assertThat(t).isSameAs(failure), t -> assertThat(t).hasCause(failure));
    assertThat(list(tmp)).isEmpty();
  }

  @Test
  void aFailedOverwriteKeepsTheOldCheckpoint() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path target = tmp.resolve("ckpt");
    List<Tensor> original = TestCheckpoints.randomTensors(config, 1);
    CheckpointWriter.to(target).config(config).write(original);
    List<String> before = list(target);

    assertThatThrownBy(() -> CheckpointWriter.to(target).overwrite(true).dtype(DType.BF16)
        .write(smallThenFailing(diskError()))).isInstanceOf(CheckpointException.class);

    assertThat(list(target)).isEqualTo(before);
    assertNoHiddenLeftovers();
    try (Checkpoint c = Checkpoint.open(target)) {
      Tensor norm = original.stream().filter(t -> t.name().equals("model.norm.weight")).findFirst().orElseThrow();
      assertThat(bits(c.tensor("model.norm.weight").toFloatArray())).isEqualTo(bits(norm.toFloatArray()));
    }
  }

  @Test
  void anExistingCheckpointIsNotOverwrittenByDefault() throws Exception {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path target = tmp.resolve("ckpt");
    CheckpointWriter.to(target).config(config).write(TestCheckpoints.randomTensors(config, 1));
    byte[] before = Files.readAllBytes(target.resolve("model.safetensors"));

    assertThatThrownBy(() -> CheckpointWriter.to(target).config(config).write(TestCheckpoints.randomTensors(config, 2)))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining(target.getFileName().toString())
        .hasMessageContaining("not empty");

    assertThat(Files.readAllBytes(target.resolve("model.safetensors"))).isEqualTo(before);
    assertNoHiddenLeftovers();
  }

  @Test
  void overwriteReplacesTheWholeDirectory() throws Exception {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path target = tmp.resolve("ckpt");
    CheckpointWriter.to(target).config(config).maxShardSize(4000).write(TestCheckpoints.randomTensors(config, 1));
    Files.writeString(target.resolve("notes.txt"), "stale");
    assertThat(list(target)).contains("model.safetensors.index.json");

    List<Tensor> replacement = TestCheckpoints.randomTensors(config, 2);
    CheckpointWriter.to(target).config(config).overwrite(true).write(replacement);

    assertThat(list(target)).containsExactly("config.json", "model.safetensors");
    assertNoHiddenLeftovers();
    try (Checkpoint c = Checkpoint.open(target)) {
      assertThat(bits(c.tensor("model.embed_tokens.weight").toFloatArray()))
          .isEqualTo(bits(replacement.getFirst().toFloatArray()));
    }
  }

  @Test
  void anExistingEmptyDirectoryIsFilled() throws Exception {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path target = Files.createDirectory(tmp.resolve("empty"));
    CheckpointWriter.to(target).config(config).write(TestCheckpoints.randomTensors(config, 1));
    assertThat(list(target)).containsExactly("config.json", "model.safetensors");
  }

  @Test
  void aFileWhereTheDirectoryShouldGoIsRefused() throws Exception {
    Path target = Files.writeString(tmp.resolve("file"), "x");
    assertThatThrownBy(() -> CheckpointWriter.to(target).write(List.of()))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("not a directory");
    assertThat(target).hasContent("x");
  }

  @Test
  void tensorsThatDoNotMatchTheConfigAreRefusedBeforeAnythingIsWritten() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    List<Tensor> tensors = new ArrayList<>(TestCheckpoints.randomTensors(config, 1));
    tensors.removeIf(t -> t.name().equals("model.layers.1.mlp.up_proj.weight"));
    assertThatThrownBy(() -> CheckpointWriter.to(tmp.resolve("out")).config(config).write(tensors))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("model.layers.1.mlp.up_proj.weight");
    assertThat(list(tmp)).isEmpty();
  }

  @Test
  void aRepeatedTensorNameIsRefused() {
    Tensor a = Tensor.ofFloats("a", new long[] {1}, new float[] {1});
    assertThatThrownBy(() -> CheckpointWriter.to(tmp.resolve("out")).write(List.of(a, a)))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("'a'").hasMessageContaining("twice");
    assertThatThrownBy(() -> Safetensors.write(tmp.resolve("x.safetensors"), List.of(a, a), null, Map.of()))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("twice");
    assertThat(list(tmp)).isEmpty();
  }

  @Test
  void aTensorSupplyingTheWrongNumberOfBytesIsRefused() {
    Tensor liar = new Tensor() {
      @Override
      public TensorInfo info() {
        return TensorInfo.of("x", DType.I32, 2);
      }

      @Override
      public MemorySegment bytes() {
        return MemorySegment.ofArray(new byte[4]); // the shape needs 8
      }

      @Override
      public void readFloats(long fromElement, float[] dst, int offset, int length) {
        throw new UnsupportedOperationException();
      }
    };
    assertThatThrownBy(() -> Safetensors.write(tmp.resolve("x.safetensors"), List.of(liar), null, Map.of()))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("x.safetensors");
    assertThat(list(tmp)).isEmpty();
  }

  @Test
  void aSingleFileFailingMidwayLeavesNoFileAndKeepsAnOldOne() throws Exception {
    Path file = tmp.resolve("vector.safetensors");
    assertThatThrownBy(() -> Safetensors.write(file, smallThenFailing(diskError()), DType.BF16, Map.of()))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("vector.safetensors");
    assertThat(list(tmp)).isEmpty();

    Safetensors.write(file, List.of(Tensor.ofFloats("a", new long[] {2}, new float[] {1, 2})), null, Map.of());
    byte[] before = Files.readAllBytes(file);
    assertThatThrownBy(() -> Safetensors.write(file, smallThenFailing(diskError()), DType.BF16, Map.of()))
        .isInstanceOf(CheckpointException.class);
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(list(tmp)).containsExactly("vector.safetensors");
  }

  @Test
  void onlyFloatingPointOutputTypesAreAccepted() {
    assertThatThrownBy(() -> CheckpointWriter.to(tmp).dtype(DType.I32))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("I32");
    assertThatThrownBy(() -> CheckpointWriter.to(tmp).maxShardSize(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
