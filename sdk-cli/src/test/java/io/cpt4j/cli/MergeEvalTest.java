package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpt4j merge ... --eval TASK}: the merged model's task scores, as {@code cpt4j eval} gives them. */
class MergeEvalTest {
  @TempDir Path dir;

  private Path setUp() throws IOException {
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(TestTokenizer.VOCAB_SIZE).hiddenSize(16)
        .intermediateSize(32).numLayers(1).numHeads(2).maxPositionEmbeddings(64)
        .eosTokenIds(List.of(TestTokenizer.END_OF_TEXT)).build();
    for (int i = 0; i < 3; i++) {
      Path m = dir.resolve("models/m" + i);
      TestCheckpoints.write(m, config, TestCheckpoints.tensors(config, i + 1));
      TestTokenizer.write(m);
    }
    Files.writeString(dir.resolve("task.jsonl"), """
        {"context": "hello", "choices": ["world", "hello", "or"], "gold": 0}
        {"context": "hello world", "choices": ["hello", "world"], "gold": 1}
        {"context": "he", "choices": ["llo", "ll"], "gold": 0}
        """);
    return Files.writeString(dir.resolve("linear.yaml"), """
        merge_method: task_arithmetic
        base_model: models/m0
        models:
          - model: models/m1
            parameters: {weight: 0.5}
          - model: models/m2
            parameters: {weight: 0.5}
        """);
  }

  @Test
  void scoresTheMergedModelAsEvalDoes() throws IOException {
    Path yaml = setUp();
    Path out = dir.resolve("out");
    Cli.Result r = Cli.run("merge", yaml.toString(), out.toString(), "--eval", dir.resolve("task.jsonl").toString(),
        "--eval-limit", "3");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Cli.Result eval = Cli.run("eval", out.toString(), "--task", dir.resolve("task.jsonl").toString());
    assertThat(eval.exitCode()).as(eval.err()).isZero();
    assertThat(r.out()).contains("task_arithmetic: merged").endsWith(eval.out());
  }

  @Test
  void aBadTaskFileFailsBeforeTheMerge() throws IOException {
    Path yaml = setUp();
    Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"context\": \"x\", \"choices\": [], \"gold\": 0}\n");
    Path out = dir.resolve("out");
    Cli.Result r = Cli.run("merge", yaml.toString(), out.toString(), "--eval", bad.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.errLines()[0]).startsWith("error: ").contains("bad.jsonl");
    assertThat(out).doesNotExist();
  }
}
