package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void f32ToBf16ToF16SingleFile() throws Exception {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path f32 = TestCheckpoints.write(tmp.resolve("f32"), config, true);
    Path bf16 = tmp.resolve("bf16");
    Path f16 = tmp.resolve("f16");

    Cli.Result r1 = Cli.run("convert", f32.toString(), bf16.toString(), "--dtype", "bf16");
    assertThat(r1.exitCode()).as(r1.err()).isZero();
    assertThat(r1.err()).isEmpty(); // no terminal: no progress
    assertThat(r1.out().lines().toList()).hasSize(1);
    assertThat(r1.out()).startsWith("converted " + config.expectedTensors().size() + " tensors to BF16: 3 files (1 safetensors)")
        .contains(" bytes (").contains(" s -> " + bf16);
    assertThat(bf16.resolve("tokenizer.json")).exists();
    assertThat(JSON.readTree(bf16.resolve("config.json").toFile()).get("torch_dtype").asText()).isEqualTo("bfloat16");
    assertDtypes(bf16, "BF16");

    Cli.Result r2 = Cli.run("convert", bf16.toString(), f16.toString(), "--dtype", "float16");
    assertThat(r2.exitCode()).as(r2.err()).isZero();
    assertDtypes(f16, "F16");

    try (Checkpoint a = Checkpoint.open(f32); Checkpoint b = Checkpoint.open(bf16); Checkpoint c = Checkpoint.open(f16)) {
      for (var info : a.tensors()) {
        float[] x = a.tensor(info.name()).toFloatArray();
        float[] y = b.tensor(info.name()).toFloatArray();
        float[] z = c.tensor(info.name()).toFloatArray();
        for (int i = 0; i < x.length; i++) {
          assertThat(y[i]).as(info.name() + "[" + i + "] bf16").isEqualTo(bf16RoundNearestEven(x[i]));
          // bf16 values of this magnitude are exact in f16 unless below f16's normal range
          assertThat((double) z[i]).as(info.name() + "[" + i + "] f16")
              .isCloseTo(y[i], org.assertj.core.data.Offset.offset(Math.abs(y[i]) * 0x1p-11 + 0x1p-24));
          assertThat((double) y[i]).isCloseTo(x[i], org.assertj.core.data.Offset.offset(Math.abs(x[i]) * 0x1p-8 + 1e-30));
        }
      }
    }
  }

  @Test
  void shardedConversionAndReinspect() throws Exception {
    ModelConfig config = TestCheckpoints.tinyNeox();
    Path f32 = TestCheckpoints.write(tmp.resolve("f32"), config, false);
    Path out = tmp.resolve("sharded");

    Cli.Result r = Cli.run("convert", f32.toString(), out.toString(), "--dtype", "BF16", "--max-shard-size", "10KB");
    assertThat(r.exitCode()).as(r.err()).isZero();

    List<String> shards;
    try (Stream<Path> s = Files.list(out)) {
      shards = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).sorted().toList();
    }
    assertThat(shards.size()).isGreaterThan(1);
    assertThat(shards.getFirst()).matches("model-00001-of-\\d{5}\\.safetensors");
    assertThat(out.resolve("model.safetensors.index.json")).exists();
    assertThat(r.out()).contains("(" + shards.size() + " safetensors)");
    for (String shard : shards) {
      assertThat(Files.size(out.resolve(shard))).isLessThan(10_000 + 64 * 1024); // one oversized tensor may sit alone
    }

    JsonNode json = JSON.readTree(Cli.run("inspect", "--json", out.toString()).out());
    assertThat(json.get("architecture").asText()).isEqualTo("gpt_neox");
    assertThat(json.get("parameters").asLong()).isEqualTo(config.parameterCount());
    assertThat(json.get("tensors")).hasSize(config.expectedTensors().size());
    json.get("tensors").forEach(t -> assertThat(t.get("dtype").asText()).isEqualTo("BF16"));

    // and back to one f32 file: values are the bf16 values, exactly
    Path back = tmp.resolve("back");
    assertThat(Cli.run("convert", out.toString(), back.toString(), "--dtype", "f32").exitCode()).isZero();
    try (Checkpoint a = Checkpoint.open(out); Checkpoint b = Checkpoint.open(back)) {
      assertThat(b.files()).hasSize(1);
      for (var info : a.tensors()) {
        assertThat(b.tensor(info.name()).toFloatArray()).containsExactly(a.tensor(info.name()).toFloatArray());
      }
    }
  }

  @Test
  void convertingOntoItselfNeedsOverwrite() throws Exception {
    Path dir = TestCheckpoints.write(tmp.resolve("ckpt"), TestCheckpoints.tinyLlama(), false);

    Cli.Result refused = Cli.run("convert", dir.toString(), dir.toString(), "--dtype", "bf16");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.errLines()).hasSize(1);
    assertThat(refused.err()).startsWith("error: ").contains("not empty", "--overwrite");
    assertDtypes(dir, "F32"); // untouched

    Cli.Result replaced = Cli.run("convert", dir.toString(), dir.toString(), "--dtype", "bf16", "--overwrite");
    assertThat(replaced.exitCode()).as(replaced.err()).isZero();
    assertDtypes(dir, "BF16");
  }

  @Test
  void existingEmptyOutputDirectoryIsFine() throws Exception {
    Path in = TestCheckpoints.write(tmp.resolve("in"), TestCheckpoints.tinyLlama(), false);
    Path out = Files.createDirectories(tmp.resolve("empty"));
    assertThat(Cli.run("convert", in.toString(), out.toString(), "--dtype", "f16").exitCode()).isZero();
    assertDtypes(out, "F16");
  }

  private static void assertDtypes(Path dir, String dtype) throws Exception {
    Cli.Result r = Cli.run("inspect", "--json", dir.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    JSON.readTree(r.out()).get("tensors").forEach(t -> assertThat(t.get("dtype").asText()).isEqualTo(dtype));
    try (Checkpoint c = Checkpoint.open(dir)) {
      for (var info : c.tensors()) {
        assertThat(info.dtype()).isEqualTo(DType.valueOf(dtype));
      }
    }
  }

  private static float bf16RoundNearestEven(float f) {
    int bits = Float.floatToRawIntBits(f);
    int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
    return Float.intBitsToFloat(rounded & 0xFFFF0000);
  }
}
