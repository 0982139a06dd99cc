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

/** {@code cpt4j vocab extend}: the extended checkpoint and its report, and one error line on bad input. */
class VocabCommandTest {
  @TempDir Path tmp;

  @Test
  void extendsTheVocabularyAndRefusesBadInputWithOneErrorLine() throws IOException {
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(TestTokenizer.VOCAB_SIZE).hiddenSize(16)
        .intermediateSize(32).numLayers(1).numHeads(2).maxPositionEmbeddings(64)
        .eosTokenIds(List.of(TestTokenizer.END_OF_TEXT)).build();
    Path base = tmp.resolve("base");
    TestCheckpoints.write(base, config, TestCheckpoints.tensors(config, 1));
    TestTokenizer.write(base);
    Path corpus = Files.writeString(tmp.resolve("corpus.txt"), "catalog catalog catalog cat cat dog dog dog\n");
    Cli.Result r = Cli.run("vocab", "extend", base.toString(), tmp.resolve("out").toString(),
        "--corpus", corpus.toString(), "--add", "3");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("added 3 tokens (3 merges)").contains("tokens per byte on the corpus");
    try (Checkpoint out = Checkpoint.open(tmp.resolve("out"))) {
      assertThat(out.config().vocabSize()).isEqualTo(TestTokenizer.VOCAB_SIZE + 3);
    }

    Cli.Result wide = Cli.run("vocab", "extend", base.toString(), tmp.resolve("bad").toString(),
        "--corpus", corpus.toString(), "--add", "70000");
    assertThat(wide.exitCode()).isEqualTo(1);
    assertThat(wide.errLines()).hasSize(1);
    assertThat(wide.errLines()[0]).startsWith("error: ").contains("past the 65536 that uint16 token shards hold");
    Cli.Result missing = Cli.run("vocab", "extend", base.toString(), tmp.resolve("bad").toString(),
        "--corpus", tmp.resolve("nope.txt").toString(), "--add", "3");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.errLines()).hasSize(1);
    assertThat(missing.errLines()[0]).startsWith("error: ");
    Cli.Result exists = Cli.run("vocab", "extend", base.toString(), tmp.resolve("out").toString(),
        "--corpus", corpus.toString(), "--add", "3");
    assertThat(exists.exitCode()).isEqualTo(1);
    assertThat(exists.errLines()[0]).contains("exists and is not empty");
    assertThat(Files.exists(tmp.resolve("bad"))).isFalse();
  }
}
