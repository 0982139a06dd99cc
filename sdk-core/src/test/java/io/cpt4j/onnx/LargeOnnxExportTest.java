package io.cpt4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.LargeFixtures;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A model of more than 2 GiB exported through a 512 MB heap (the {@code large-low-heap} surefire
 * execution): the weights stream into {@code model.onnx_data} (ExternalData.AUTO), initializers
 * point at 4096-aligned offsets (one beyond 2 GiB), the stored values are the checkpoint's, and ONNX
 * Runtime loads the result and runs a forward pass. Run alone with {@code ./mvnw -B -o test -pl
 * sdk-core -am -Dtest=LargeOnnxExportTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("large")
class LargeOnnxExportTest {
  private Path dir;

  @BeforeEach
  void createDirectoryUnderTarget() throws IOException {
    dir = LargeFixtures.directoryUnderTarget("large-onnx-");
  }

  @AfterEach
  void deleteFiles() throws IOException {
    LargeFixtures.deleteTree(dir);
  }

  static float value(long salt, long index) {
    int v = (int) ((index * 0x9E3779B1L + salt * 0x632BE5ABL) & 0xFFFFFF);
    return v * 0x1p-26f - 0.125f;
  }

  /** A checkpoint whose tensors are generated: nothing on disk but an empty directory. */
  record GeneratedCheckpoint(Path directory, ModelConfig config, Map<String, Tensor> byName) implements Checkpoint {
    @Override
    public Optional<Tokenizer> tokenizer() {
      return Optional.empty();
    }

    @Override
    public List<TensorInfo> tensors() {
      return byName.values().stream().map(Tensor::info).toList();
    }

    @Override
    public Tensor tensor(String name) {
      return Objects.requireNonNull(byName.get(name), name);
    }

    @Override
    public boolean contains(String name) {
      return byName.containsKey(name);
    }

    @Override
    public Map<String, String> metadata() {
      return Map.of();
    }

    @Override
    public List<Path> files() {
      return List.of();
    }

    @Override
    public void close() {}
  }

  @Test
  void aModelOver2GiBGoesToExternalDataWithinASmallHeap() throws Exception {
    assertThat(Runtime.getRuntime().maxMemory()).as("run in the -Xmx512m execution").isLessThan(600L << 20);
    // embedding and head of 100,000 × 2,048 (819 MB each) and an MLP of width 65,536 (1.61 GB): 3.29 GB
    // of float32 weights; lm_head.weight, last, starts near 2.47 GB
    ModelConfig c = ModelConfig.builder(Architecture.LLAMA).vocabSize(100_000).hiddenSize(2048).intermediateSize(65_536)
        .numLayers(1).numHeads(16).numKvHeads(4).build();
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    c.expectedTensors().forEach((name, shape) ->
        tensors.put(name, new LargeFixtures.Generated(new TensorInfo(name, DType.F32, shape), tensors.size(),
            name.contains("norm") ? (salt, i) -> 1f : LargeOnnxExportTest::value))); // norm weights are 1
    long bytes = 4 * c.parameterCount();
    assertThat(bytes).isGreaterThan(1L << 31);
    Checkpoint ckpt = new GeneratedCheckpoint(Files.createDirectories(dir.resolve("ckpt")), c, tensors);

    List<Path> files = OnnxExport.of(ckpt).writeTo(dir.resolve("onnx"));
    assertThat(files).extracting(p -> p.getFileName().toString()).contains("model.onnx", "model.onnx_data");
    Path data = dir.resolve("onnx/model.onnx_data");
    assertThat(Files.size(data)).isBetween(bytes, bytes + 4096L * tensors.size());
    assertThat(Files.size(dir.resolve("onnx/model.onnx"))).isLessThan(1 << 20);

    OnnxMl.ModelProto model;
    try (InputStream in = Files.newInputStream(dir.resolve("onnx/model.onnx"))) {
      model = OnnxMl.ModelProto.parseFrom(in);
    }
    long beyond2GiB = 0;
    try (FileChannel ch = FileChannel.open(data)) {
      for (OnnxMl.TensorProto t : model.getGraph().getInitializerList()) {
        if (!tensors.containsKey(t.getName())) {
          continue; // a small inline constant of the graph
        }
        Map<String, String> ext = new LinkedHashMap<>();
        t.getExternalDataList().forEach(e -> ext.put(e.getKey(), e.getValue()));
        assertThat(ext.get("location")).isEqualTo("model.onnx_data");
        long offset = Long.parseLong(ext.get("offset"));
        long length = Long.parseLong(ext.get("length"));
        Tensor src = tensors.get(t.getName());
        assertThat(offset % 4096).isZero();
        assertThat(length).isEqualTo(4 * src.elementCount());
        beyond2GiB = Math.max(beyond2GiB, offset);
        for (long i : new long[] {0, src.elementCount() / 2, src.elementCount() - 1}) {
          ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
          ch.read(b, offset + 4 * i);
          float[] expected = new float[1];
          src.readFloats(i, expected, 0, 1);
          assertThat(b.getFloat(0)).as("%s[%d]", t.getName(), i).isEqualTo(expected[0]);
        }
      }
    }
    assertThat(beyond2GiB).as("the last weight starts beyond 2 GiB").isGreaterThan(1L << 31);

    try (OrtModel m = OrtModel.load(dir.resolve("onnx"))) {
      Logits logits = m.logits(new int[][] {{1, 99_999}});
      assertThat(logits.values()).hasSize(2 * 100_000);
      for (float v : logits.values()) {
        assertThat(Float.isFinite(v)).isTrue();
      }
    }
  }
}
