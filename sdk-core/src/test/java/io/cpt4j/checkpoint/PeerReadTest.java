package io.cpt4j.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What cpt4j writes is read by an independent peer: a numpy-only reader written from the
 * safetensors specification ({@code peer/read_safetensors.py}). Every value it decodes must equal,
 * bit for bit, the reference rounding of what was written. Skipped where python3 with numpy is
 * absent (it is present on the project's machines and in CI).
 */
class PeerReadTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path script;

  @TempDir Path tmp;

  @BeforeAll
  static void findPython(@TempDir Path scripts) throws Exception {
    boolean available;
    try {
      available = run(List.of("python3", "-c", "import numpy"), null).exitCode == 0;
    } catch (IOException e) { // no python3 at all
      available = false;
    }
    Assumptions.assumeTrue(available, "python3 with numpy is not available");
    script = scripts.resolve("read_safetensors.py");
    try (var in = PeerReadTest.class.getResourceAsStream("/peer/read_safetensors.py")) {
      Files.write(script, in.readAllBytes());
    }
  }

  record Result(int exitCode, String stdout, String stderr) {}

  private static Result run(List<String> command, Path outFile) throws IOException, InterruptedException {
    Path out = outFile != null ? outFile : Files.createTempFile("peer", ".out");
    Path err = Files.createTempFile("peer", ".err");
    try {
      Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("peer reader timed out");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err));
    } finally {
      Files.deleteIfExists(err);
      if (outFile == null) {
        Files.deleteIfExists(out);
      }
    }
  }

  @ParameterizedTest(name = "{0}, {1} architecture, max shard {2} bytes")
  @CsvSource({
    "F32,  llama, 9223372036854775807",
    "F16,  llama, 9223372036854775807",
    "BF16, llama, 9223372036854775807",
    "F32,  neox,  4000",
    "F16,  neox,  4000",
    "BF16, neox,  4000",
  })
  void theIndependentReaderDecodesExactlyTheRoundedValues(DType dtype, String arch, long maxShard) throws Exception {
    ModelConfig config = arch.equals("llama") ? TestCheckpoints.tinyLlamaGqa() : TestCheckpoints.tinyNeox();
    List<Tensor> tensors = TestCheckpoints.randomTensors(config, 7);
    Path dir = tmp.resolve("ckpt");
    CheckpointWriter.to(dir).config(config).dtype(dtype).maxShardSize(maxShard).write(tensors);

    Result r = run(List.of("python3", script.toString(), dir.toString()), tmp.resolve("peer.json"));
    assertThat(r.exitCode()).as("peer reader stderr: %s", r.stderr()).isZero();
    JsonNode peer = JSON.readTree(r.stdout());

    assertThat(peer.path("metadata").path("format").asText()).isEqualTo("pt");
    assertThat(peer.path("config").path("torch_dtype").asText()).isEqualTo(dtype.torchName());
    if (maxShard == Long.MAX_VALUE) {
      assertThat(peer.path("files").toString()).isEqualTo("[\"model.safetensors\"]");
    } else {
      assertThat(peer.path("files").size()).isGreaterThan(1);
    }
    assertThat(peer.path("tensors").size()).isEqualTo(tensors.size());
    for (Tensor t : tensors) {
      JsonNode p = peer.path("tensors").path(t.name());
      assertThat(p.path("dtype").asText()).isEqualTo(dtype.name());
      assertThat(JSON.convertValue(p.path("shape"), long[].class)).containsExactly(t.info().dims());
      float[] written = t.toFloatArray();
      JsonNode bits = p.path("bits");
      assertThat(bits.size()).isEqualTo(written.length);
      for (int i = 0; i < written.length; i++) {
        float expected = TestCheckpoints.stored(dtype, written[i]);
        float actual = Float.intBitsToFloat((int) bits.get(i).asLong());
        if (Float.isNaN(expected)) {
          assertThat(actual).as("%s[%d]", t.name(), i).isNaN();
        } else {
          assertThat(Float.floatToRawIntBits(actual)).as("%s[%d] = %s", t.name(), i, expected)
              .isEqualTo(Float.floatToRawIntBits(expected));
        }
      }
    }
  }
}
