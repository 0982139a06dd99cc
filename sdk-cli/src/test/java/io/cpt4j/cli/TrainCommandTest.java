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

/** {@code cpt4j train RUN.yaml} and {@code cpt4j resume RUN_DIR}, and their errors. */
class TrainCommandTest {
  @TempDir Path tmp;

  private Path runFile(String output, long steps) throws IOException {
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(TestTokenizer.VOCAB_SIZE).hiddenSize(16)
        .intermediateSize(32).numLayers(1).numHeads(2).maxPositionEmbeddings(64)
        .eosTokenIds(List.of(TestTokenizer.END_OF_TEXT)).build();
    Path base = tmp.resolve("base");
    if (!Files.exists(base)) {
      TestCheckpoints.write(base, config, TestCheckpoints.tensors(config, 1));
      TestTokenizer.write(base);
      Path data = Files.createDirectories(tmp.resolve("data"));
      for (int i = 0; i < 12; i++) {
        Files.writeString(data.resolve("d" + i + ".txt"), "hello world ".repeat(3 + i));
      }
    }
    return Files.writeString(tmp.resolve(output + ".yaml"), """
        base: base
        output: %s
        schedule: {type: warmup-decay, max_lr: 1e-3, warmup_steps: 1, min_lr: 1e-4}
        mixture:
          sources:
            - {name: hello, text: data, weight: 1}
        validation:
          hello: {text: data}
        steps: %d
        sequence_length: 16
        batch_tokens: 32
        checkpoint_every: 2
        """.formatted(output, steps));
  }

  @Test
  void trainsFromARunFileAndResumesAFinishedRunToTheSameReport() throws IOException {
    Cli.Result r = Cli.run("train", runFile("run", 4).toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("4 steps, 128 tokens").contains("hello").contains("stability gap");
    assertThat(tmp.resolve("run/final/model.safetensors")).exists();
    assertThat(tmp.resolve("run/plots/loss.png")).exists();
    // 4 training lines; evaluations at step 0 and after every step (the default: a tenth of the steps, at least 1)
    assertThat(Files.readAllLines(tmp.resolve("run/metrics.jsonl"))).hasSize(4 + 5);

    Cli.Result again = Cli.run("resume", tmp.resolve("run").toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("4 steps, 128 tokens");
  }

  @Test
  void badRunFilesAndDirectoriesAreOneErrorLine() throws IOException {
    Path bad = Files.writeString(tmp.resolve("bad.yaml"), "base: base\nstepz: 3\n");
    Cli.Result r = Cli.run("train", bad.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.errLines()[0]).startsWith("error: ").contains("stepz");

    Path twoLimits = Files.writeString(tmp.resolve("two.yaml"), Files.readString(runFile("x", 4)) + "tokens: 64\n");
    Cli.Result both = Cli.run("train", twoLimits.toString());
    assertThat(both.exitCode()).isEqualTo(1);
    assertThat(both.errLines()[0]).contains("tokens and steps are both set");

    Cli.Result noMatch = Cli.run("train", runFile("y", 2).toString(), "--trainable", "model\\.layers\\.9\\..*");
    assertThat(noMatch.exitCode()).isEqualTo(1);
    assertThat(noMatch.errLines()).hasSize(1);
    assertThat(noMatch.errLines()[0]).startsWith("error: invalid run configuration: trainable pattern "
        + "'model\\.layers\\.9\\..*' matches no parameter");
    Cli.Result badRegex = Cli.run("train", runFile("z", 2).toString(), "--trainable", "(");
    assertThat(badRegex.exitCode()).isNotZero();
    assertThat(badRegex.errLines()[0]).contains("--trainable: trainable pattern '(' is not a valid regular expression");

    Cli.Result notARun = Cli.run("resume", tmp.toString());
    assertThat(notARun.exitCode()).isEqualTo(1);
    assertThat(notARun.errLines()).hasSize(1);
    assertThat(notARun.errLines()[0]).contains("not a cpt4j run directory");
  }

  @Test
  void theGpuBackendIsOnTheClassPathAndSaysWhatIsMissing() throws IOException {
    Path run = runFile("gpu", 2);
    Cli.Result gpu = Cli.run("train", "--backend", "gpu", run.toString());
    assertThat(gpu.exitCode()).isEqualTo(1);
    assertThat(gpu.errLines()).hasSize(1);
    // sdk-gpu's own reason (no NVIDIA driver or no CUDA natives here), not "no 'gpu' backend on the class path"
    assertThat(gpu.errLines()[0]).startsWith("error: ").contains("the gpu backend is unavailable: ");
    assertThat(tmp.resolve("gpu/run.json")).doesNotExist(); // nothing to resume after a backend that cannot start

    Path inFile = Files.writeString(tmp.resolve("gpu-file.yaml"), Files.readString(run) + "backend: gpu\n");
    Cli.Result fromFile = Cli.run("train", inFile.toString());
    assertThat(fromFile.errLines()[0]).isEqualTo(gpu.errLines()[0]);

    Cli.Result auto = Cli.run("train", "--backend", "auto", run.toString());
    assertThat(auto.exitCode()).as(auto.err()).isZero();
    assertThat(Files.readString(tmp.resolve("gpu/run.json"))).contains("\"backend\"");
  }

  @Test
  void scoresTasksGivenOnTheCommandLine() throws IOException {
    Path run = runFile("tasks", 2);
    Path task = Files.writeString(tmp.resolve("hello.jsonl"), """
        {"context": "hello", "choices": ["world", "hello"], "gold": 0}
        {"context": "hello world", "choices": ["hello", "world"], "gold": 1}
        """);
    Cli.Result r = Cli.run("train", run.toString(), "--task", task.toString(), "--task-limit", "2");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("hello").contains("acc");
    assertThat(Files.readString(tmp.resolve("tasks/metrics.jsonl"))).contains("\"tasks\":{\"hello\":{\"acc\":");
  }
}
