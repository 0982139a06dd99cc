package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cpt4j grow depth} and {@code width}: the grown checkpoint and its report line, and one error
 * line on bad input.
 */
class GrowCommandTest {
  @TempDir Path tmp;

  private Path base() throws IOException {
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(TestTokenizer.VOCAB_SIZE).hiddenSize(16)
        .intermediateSize(32).numLayers(2).numHeads(2).maxPositionEmbeddings(64)
        .eosTokenIds(List.of(TestTokenizer.END_OF_TEXT)).build();
    Path base = tmp.resolve("base");
    TestCheckpoints.write(base, config, TestCheckpoints.tensors(config, 1));
    TestTokenizer.write(base);
    return base;
  }

  @Test
  void growsDepthAndRefusesAnIntervalThatDoesNotDivide() throws IOException {
    Path base = base();
    Cli.Result r = Cli.run("grow", "depth", base.toString(), tmp.resolve("grown").toString(), "--every", "1");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("2 -> 4 layers (new: 1, 3)").contains("model\\.layers\\.(1|3)\\..*");
    try (Checkpoint grown = Checkpoint.open(tmp.resolve("grown"))) {
      assertThat(grown.config().numLayers()).isEqualTo(4);
    }
    assertThat(tmp.resolve("grown/tokenizer.json")).exists();

    Cli.Result bad = Cli.run("grow", "depth", base.toString(), tmp.resolve("bad").toString(), "--every", "3");
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.errLines()).hasSize(1);
    assertThat(bad.errLines()[0]).startsWith("error: ").contains("which 3 does not divide");
    assertThat(Files.exists(tmp.resolve("bad"))).isFalse();
    Cli.Result exists = Cli.run("grow", "depth", base.toString(), tmp.resolve("grown").toString(), "--every", "1");
    assertThat(exists.exitCode()).isEqualTo(1);
  }

  @Test
  void growsWidthAndRefusesASizeThatDoesNotGrow() throws IOException {
    Path base = base();
    Cli.Result r = Cli.run("grow", "width", base.toString(), tmp.resolve("wide").toString(),
        "--intermediate-size", "40", "--seed", "3");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().lines().toList()).hasSize(1);
    assertThat(r.out()).startsWith("grew " + base + ": MLP intermediate 32 -> 40 (8 new neurons copying ")
        .contains("model\\.layers\\.\\d+\\.(mlp\\.gate_proj|mlp\\.up_proj|mlp\\.down_proj)\\..*");
    try (Checkpoint grown = Checkpoint.open(tmp.resolve("wide"))) {
      assertThat(grown.config().intermediateSize()).isEqualTo(40);
      assertThat(grown.tensor("model.layers.1.mlp.down_proj.weight").shape()).containsExactly(16L, 40L);
    }
    assertThat(tmp.resolve("wide/tokenizer.json")).exists();

    Cli.Result bad = Cli.run("grow", "width", base.toString(), tmp.resolve("bad").toString(),
        "--intermediate-size", "32");
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.errLines()).hasSize(1);
    assertThat(bad.errLines()[0]).startsWith("error: ").contains("intermediate size of 32, so 32 would not grow it");
    assertThat(Files.exists(tmp.resolve("bad"))).isFalse();
    Cli.Result exists = Cli.run("grow", "width", base.toString(), tmp.resolve("wide").toString(),
        "--intermediate-size", "40");
    assertThat(exists.exitCode()).isEqualTo(1);
    assertThat(exists.errLines()).hasSize(1);
    Cli.Result again = Cli.run("grow", "width", base.toString(), tmp.resolve("wide").toString(),
        "--intermediate-size", "48", "--overwrite");
    assertThat(again.exitCode()).as(again.err()).isZero();
    Cli.Result usage = Cli.run("grow", "width", base.toString(), tmp.resolve("zero").toString(),
        "--intermediate-size", "0");
    assertThat(usage.exitCode()).isEqualTo(2);
    assertThat(Files.exists(tmp.resolve("zero"))).isFalse();
  }
}
