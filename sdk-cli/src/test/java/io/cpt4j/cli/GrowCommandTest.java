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

/** {@code cpt4j grow depth}: the grown checkpoint and its report line, and one error line on bad input. */
class GrowCommandTest {
  @TempDir Path tmp;

  @Test
  void growsDepthAndRefusesAnIntervalThatDoesNotDivide() throws IOException {
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(TestTokenizer.VOCAB_SIZE).hiddenSize(16)
        .intermediateSize(32).numLayers(2).numHeads(2).maxPositionEmbeddings(64)
        .eosTokenIds(List.of(TestTokenizer.END_OF_TEXT)).build();
    Path base = tmp.resolve("base");
    TestCheckpoints.write(base, config, TestCheckpoints.tensors(config, 1));
    TestTokenizer.write(base);
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
}
