package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input: exit 1 with one explained line, or exit 2 for bad usage; never a stack trace. */
class ErrorHandlingTest {
  @TempDir Path tmp;

  private static void assertExplainedFailure(Cli.Result r) {
    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
    assertThat(r.errLines()).as(r.err()).hasSize(1);
    assertThat(r.err()).startsWith("error: ").doesNotContain("Exception", "\tat ");
    assertThat(r.out()).isEmpty();
  }

  private static void assertUsageError(Cli.Result r, String expected) {
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: ").contains(expected).doesNotContain("Exception", "\tat ");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void missingDirectory() {
    Path missing = tmp.resolve("nope");
    Cli.Result inspect = Cli.run("inspect", missing.toString());
    assertExplainedFailure(inspect);
    assertThat(inspect.err()).contains(missing.toString(), "no such checkpoint directory");
    assertExplainedFailure(Cli.run("inspect", "--json", missing.toString()));
    assertExplainedFailure(Cli.run("convert", missing.toString(), tmp.resolve("out").toString(), "--dtype", "f16"));
    assertThat(tmp.resolve("out")).doesNotExist();
  }

  @Test
  void garbageSafetensors() throws Exception {
    Path dir = tmp.resolve("garbage");
    TestCheckpoints.write(dir, TestCheckpoints.tinyLlama(), false);
    byte[] junk = new byte[4096];
    new Random(1).nextBytes(junk);
    Files.write(dir.resolve("model.safetensors"), junk);

    Cli.Result r = Cli.run("inspect", dir.toString());
    assertExplainedFailure(r);
    assertThat(r.err()).contains("model.safetensors");
    assertExplainedFailure(Cli.run("convert", dir.toString(), tmp.resolve("o").toString(), "--dtype", "bf16"));
  }

  @Test
  void textFileNamedSafetensors() throws Exception {
    Path dir = tmp.resolve("text");
    TestCheckpoints.write(dir, TestCheckpoints.tinyLlama(), false);
    Files.writeString(dir.resolve("model.safetensors"), "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n");
    assertExplainedFailure(Cli.run("inspect", dir.toString()));
  }

  @Test
  void pytorchBinOnly() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("bin"));
    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's'});
    Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"]}");

    Cli.Result r = Cli.run("inspect", dir.toString());
    assertExplainedFailure(r);
    assertThat(r.err()).contains("pytorch_model.bin", "pickle", "safetensors");
  }

  @Test
  void fileInsteadOfDirectory() throws Exception {
    Path file = Files.writeString(tmp.resolve("x.txt"), "hello");
    assertExplainedFailure(Cli.run("inspect", file.toString()));
  }

  @Test
  void invalidConfig() throws Exception {
    Path dir = tmp.resolve("badconfig");
    TestCheckpoints.write(dir, TestCheckpoints.tinyLlama(), false);
    Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"],\n \"hidden_size\": ");
    assertExplainedFailure(Cli.run("inspect", dir.toString()));
  }

  @Test
  void badDtypeIsUsageError() throws Exception {
    Path in = TestCheckpoints.write(tmp.resolve("in"), TestCheckpoints.tinyLlama(), false);
    String out = tmp.resolve("out").toString();
    assertUsageError(Cli.run("convert", in.toString(), out, "--dtype", "f8"), "unknown dtype 'f8'");
    assertUsageError(Cli.run("convert", in.toString(), out, "--dtype", "i64"), "not a floating-point type");
    assertUsageError(Cli.run("convert", in.toString(), out), "--dtype");
    assertThat(tmp.resolve("out")).doesNotExist();
  }

  @Test
  void badSizeIsUsageError() throws Exception {
    Path in = TestCheckpoints.write(tmp.resolve("in"), TestCheckpoints.tinyLlama(), false);
    Cli.Result r = Cli.run("convert", in.toString(), tmp.resolve("out").toString(), "--dtype", "bf16",
        "--max-shard-size", "2XB");
    assertUsageError(r, "invalid size '2XB'");
    assertThat(r.err()).contains("--max-shard-size").contains("cpt4j convert --help");
  }

  @Test
  void missingArgumentsAreUsageErrors() {
    assertUsageError(Cli.run("inspect"), "DIR");
    assertUsageError(Cli.run("convert", "a"), "OUT");
    assertUsageError(Cli.run("frobnicate"), "frobnicate");
  }
}
