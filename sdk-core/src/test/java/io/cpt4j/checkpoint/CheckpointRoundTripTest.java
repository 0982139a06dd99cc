package io.cpt4j.checkpoint;

import static io.cpt4j.checkpoint.TestCheckpoints.bits;
import static io.cpt4j.checkpoint.TestCheckpoints.header;
import static io.cpt4j.checkpoint.TestCheckpoints.headerLength;
import static io.cpt4j.checkpoint.TestCheckpoints.list;
import static io.cpt4j.checkpoint.TestCheckpoints.readJson;
import static io.cpt4j.checkpoint.TestCheckpoints.stored;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.tokenize.TestTokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CheckpointWriter} then {@link Checkpoint#open}: every tiny configuration, every output
 * dtype, one file and several shards. Values must read back exactly as the reference narrowing of
 * what was written.
 */
class CheckpointRoundTripTest {
  private static final Pattern SHARD = Pattern.compile("model-(\\d{5})-of-(\\d{5})\\.safetensors");

  @TempDir Path tmp;

  static Stream<Arguments> configsDtypesAndLayouts() {
    Map<String, ModelConfig> configs = new java.util.LinkedHashMap<>();
    configs.put("llama", TestCheckpoints.tinyLlama());
    configs.put("llama-gqa", TestCheckpoints.tinyLlamaGqa());
    configs.put("llama-tied", TestCheckpoints.tinyLlamaTied());
    configs.put("qwen2", TestCheckpoints.tinyQwen2());
    configs.put("gpt-neox", TestCheckpoints.tinyNeox());
    List<Arguments> out = new ArrayList<>();
    configs.forEach((name, config) -> {
      for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
        out.add(Arguments.of(name, config, dtype, false));
        out.add(Arguments.of(name, config, dtype, true));
      }
    });
    return out.stream();
  }

  @ParameterizedTest(name = "{0} as {2}, sharded: {3}")
  @MethodSource("configsDtypesAndLayouts")
  void aRewrittenCheckpointReadsBackItsNarrowedValues(String name, ModelConfig config, DType dtype, boolean sharded)
      throws Exception {
    List<Tensor> original = TestCheckpoints.randomTensors(config, name.hashCode());
    Path sourceDir = tmp.resolve("source");
    CheckpointWriter.to(sourceDir).config(config).write(original);
    TestTokenizers.writeByteLevelBpe(sourceDir.resolve("tokenizer.json"));
    Files.writeString(sourceDir.resolve("generation_config.json"), "{\"do_sample\": false}");

    long outputBytes = original.stream().mapToLong(t -> t.elementCount() * dtype.byteSize()).sum();
    long maxShard = sharded ? outputBytes / 4 : Long.MAX_VALUE;
    Path target = tmp.resolve("target");
    List<Path> written;
    try (Checkpoint source = Checkpoint.open(sourceDir)) {
      assertThat(source.config()).isEqualTo(config);
      List<Tensor> tensors = source.tensors().stream().map(t -> source.tensor(t.name())).toList();
      written = CheckpointWriter.to(target).copyFilesFrom(source).dtype(dtype).maxShardSize(maxShard).write(tensors);
    }

    List<String> files = list(target);
    assertThat(written).allSatisfy(p -> assertThat(p).isRegularFile().hasParent(target.toAbsolutePath()));
    assertThat(written.stream().map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(files);
    assertThat(files).contains("config.json", "tokenizer.json", "generation_config.json");
    assertThat(target.resolve("tokenizer.json")).hasSameBinaryContentAs(sourceDir.resolve("tokenizer.json"));
    assertThat(readJson(target.resolve("config.json")).get("torch_dtype").asText()).isEqualTo(dtype.torchName());

    try (Checkpoint c = Checkpoint.open(target)) {
      assertThat(c.config()).isEqualTo(config.newBuilder().torchDtype(dtype.torchName()).build());
      assertThat(c.tensors()).extracting(TensorInfo::name).containsExactlyElementsOf(config.expectedTensors().keySet());
      assertThat(c.parameterCount()).isEqualTo(config.parameterCount());
      assertThat(c.metadata()).isEqualTo(Map.of("format", "pt"));
      for (Tensor t : original) {
        Tensor back = c.tensor(t.name());
        assertThat(back.info()).isEqualTo(t.info().withDtype(dtype));
        float[] expected = t.toFloatArray();
        for (int i = 0; i < expected.length; i++) {
          expected[i] = stored(dtype, expected[i]);
        }
        assertThat(bits(back.toFloatArray())).as(t.name()).isEqualTo(bits(expected));
      }
      for (Path file : c.files()) {
        assertThat(headerLength(file) % 8).as("header length of %s", file).isZero();
        assertThat(header(file).get("__metadata__").toString()).isEqualTo("{\"format\":\"pt\"}");
      }
      if (sharded) {
        assertShardLayout(target, c, maxShard, outputBytes);
      } else {
        assertThat(c.files()).containsExactly(target.resolve("model.safetensors").toAbsolutePath());
        assertThat(files).doesNotContain("model.safetensors.index.json");
      }
    }
  }

  private static void assertShardLayout(Path target, Checkpoint c, long maxShard, long outputBytes) {
    List<Path> shards = c.files();
    assertThat(shards).hasSizeGreaterThan(1);
    List<String> files = list(target);
    assertThat(files).contains("model.safetensors.index.json").doesNotContain("model.safetensors");
    assertThat(files.stream().filter(f -> f.endsWith(".safetensors"))).hasSize(shards.size());
    Map<String, String> holder = new HashMap<>();
    for (int i = 0; i < shards.size(); i++) {
      Path shard = shards.get(i);
      Matcher m = SHARD.matcher(shard.getFileName().toString());
      assertThat(m.matches()).as("shard name %s", shard.getFileName()).isTrue();
      assertThat(Integer.parseInt(m.group(1))).isEqualTo(i + 1);
      assertThat(Integer.parseInt(m.group(2))).isEqualTo(shards.size());
      try (TensorStore store = Safetensors.open(shard)) {
        long bytes = store.tensors().stream().mapToLong(TensorInfo::byteSize).sum();
        assertThat(bytes <= maxShard || store.tensors().size() == 1)
            .as("%s holds %d bytes, limit %d", shard.getFileName(), bytes, maxShard).isTrue();
        store.tensors().forEach(t -> holder.put(t.name(), shard.getFileName().toString()));
      }
    }
    JsonNode index = readJson(target.resolve("model.safetensors.index.json"));
    assertThat(index.path("metadata").path("total_size").asLong()).isEqualTo(outputBytes);
    Map<String, String> weightMap = new HashMap<>();
    index.get("weight_map").properties().forEach(e -> weightMap.put(e.getKey(), e.getValue().asText()));
    assertThat(weightMap).isEqualTo(holder);
  }

  @Test
  void keepingEachTensorsDtypeWritesTheSameBytes() {
    ModelConfig config = TestCheckpoints.tinyNeox();
    List<Tensor> original = TestCheckpoints.randomTensors(config, 5);
    Path dir = tmp.resolve("same");
    CheckpointWriter.to(dir).config(config).write(original);
    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThat(c.config().torchDtype()).isEqualTo("float32");
      for (Tensor t : original) {
        assertThat(bits(c.tensor(t.name()).toFloatArray())).isEqualTo(bits(t.toFloatArray()));
      }
    }
  }

  @Test
  void chunkedReadsSeeTheSameValuesAsWholeReads() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path dir = tmp.resolve("chunks");
    CheckpointWriter.to(dir).config(config).dtype(DType.BF16).write(TestCheckpoints.randomTensors(config, 9));
    try (Checkpoint c = Checkpoint.open(dir)) {
      Tensor t = c.tensor("model.embed_tokens.weight");
      float[] whole = t.toFloatArray();
      float[] parts = new float[whole.length + 3];
      for (int from = 0; from < whole.length; from += 7) {
        int n = Math.min(7, whole.length - from);
        t.readFloats(from, parts, from + 3, n);
      }
      assertThat(bits(java.util.Arrays.copyOfRange(parts, 3, parts.length))).isEqualTo(bits(whole));
    }
  }

  @Test
  void extraMetadataIsWrittenBesideFormatPt() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path dir = tmp.resolve("meta");
    CheckpointWriter.to(dir).config(config).metadata(Map.of("source", "cpt4j-test"))
        .write(TestCheckpoints.randomTensors(config, 3));
    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThat(c.metadata()).containsEntry("format", "pt").containsEntry("source", "cpt4j-test").hasSize(2);
    }
  }

  @Test
  void progressIsToldOfEveryByte() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    List<Tensor> tensors = TestCheckpoints.randomTensors(config, 4);
    long total = tensors.stream().mapToLong(t -> t.elementCount() * 2).sum();
    List<long[]> updates = new ArrayList<>();
    CheckpointWriter.to(tmp.resolve("progress")).config(config).dtype(DType.F16)
        .progress((done, all) -> updates.add(new long[] {done, all})).write(tensors);
    assertThat(updates).isNotEmpty().allSatisfy(u -> assertThat(u[1]).isEqualTo(total));
    assertThat(updates.getLast()[0]).isEqualTo(total);
    for (int i = 1; i < updates.size(); i++) {
      assertThat(updates.get(i)[0]).isGreaterThanOrEqualTo(updates.get(i - 1)[0]);
    }
  }

  @Test
  void aTiedCheckpointMayStillCarryACopyOfItsHead() {
    ModelConfig tied = TestCheckpoints.tinyLlamaTied();
    List<Tensor> tensors = new ArrayList<>(TestCheckpoints.randomTensors(tied, 6));
    Tensor embed = tensors.getFirst();
    tensors.add(Tensor.ofFloats("lm_head.weight", embed.info().dims(), embed.toFloatArray()));
    Path dir = tmp.resolve("tied-with-head");
    CheckpointWriter.to(dir).config(tied).write(tensors);
    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThat(c.contains("lm_head.weight")).isTrue();
    }
  }
}
