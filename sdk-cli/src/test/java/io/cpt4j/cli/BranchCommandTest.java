package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;

/** {@code cpt4j branch RUN --from step-N --decay-tokens T [--shape S] [--min-lr LR] OUT}, and its errors. */
class BranchCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  /** A constant-LR run of 4 steps of 32 tokens with checkpoints at steps 2 and 4. */
  private Path mainRun() throws IOException {
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(TestTokenizer.VOCAB_SIZE).hiddenSize(16)
        .intermediateSize(32).numLayers(1).numHeads(2).maxPositionEmbeddings(64)
        .eosTokenIds(List.of(TestTokenizer.END_OF_TEXT)).build();
    Path base = tmp.resolve("base");
    TestCheckpoints.write(base, config, TestCheckpoints.tensors(config, 1));
    TestTokenizer.write(base);
    Path data = Files.createDirectories(tmp.resolve("data"));
    for (int i = 0; i < 12; i++) {
      Files.writeString(data.resolve("d" + i + ".txt"), "hello world ".repeat(3 + i));
    }
    Path yaml = Files.writeString(tmp.resolve("main.yaml"), """
        base: base
        output: main
        schedule: {type: constant, lr: 1e-3}
        mixture:
          sources:
            - {name: hello, text: data, weight: 1}
        validation:
          hello: {text: data}
        steps: 4
        sequence_length: 16
        batch_tokens: 32
        checkpoint_every: 2
        """);
    Cli.Result r = Cli.run("train", yaml.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    return tmp.resolve("main");
  }

  /** Every file under {@code dir} by relative path, with the SHA-256 of its bytes. */
  private static Map<String, String> contents(Path dir) throws Exception {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
        files.put(dir.relativize(p).toString(), HexFormat.of().formatHex(sha));
      }
    }
    return files;
  }

  @Test
  void branchesARunFromACheckpointWithALinearDecay() throws Exception {
    Path main = mainRun();
    Map<String, String> before = contents(main);
    Path out = tmp.resolve("decay");
    Cli.Result r = Cli.run("branch", main.toString(), "--from", "step-2", "--decay-tokens", "64", "--shape", "linear",
        "--min-lr", "1e-4", out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("4 steps, 128 tokens").contains("hello");
    assertThat(out.resolve("final/model.safetensors")).exists();

    JsonNode runJson = JSON.readTree(out.resolve("run.json").toFile());
    assertThat(runJson.path("branch_of").path("step").asLong()).isEqualTo(2);
    assertThat(runJson.path("schedule").path("type").asText()).isEqualTo("decay");
    List<Double> lrs = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      JsonNode n = JSON.readTree(line);
      if (n.has("loss") && n.get("step").asLong() > 2) {
        lrs.add(n.get("lr").asDouble());
      }
    }
    assertThat(lrs).containsExactly(1e-3, 1e-4); // 64 tokens = 2 steps of 32: from the main run's lr to --min-lr
    assertThat(contents(main)).isEqualTo(before);

    Cli.Result again = Cli.run("resume", out.toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("4 steps, 128 tokens");
  }

  private static void oneErrorLine(Cli.Result r, int code, String... parts) {
    assertThat(r.exitCode()).as(r.err()).isEqualTo(code);
    assertThat(r.errLines()[0]).startsWith("error: ").contains(parts);
    assertThat(r.err()).doesNotContain("Exception", "\tat ");
    if (code == 1) {
      assertThat(r.errLines()).hasSize(1);
    }
  }

  @Test
  void badInputIsOneErrorLine() throws Exception {
    Path main = mainRun();
    Map<String, String> before = contents(main);
    String out = tmp.resolve("out").toString();
    oneErrorLine(Cli.run("branch", main.toString(), "--from", "step-3", "--decay-tokens", "64", out), 1,
        "has no checkpoint at step 3; available: step-2, step-4");
    oneErrorLine(Cli.run("branch", main.toString(), "--from", "2", "--decay-tokens", "31", out), 1,
        "a decay of 31 tokens is shorter than one step (32 tokens a step in the main run)");
    oneErrorLine(Cli.run("branch", main.toString(), "--from", "2", "--decay-tokens", "64", "--min-lr", "1", out), 1,
        "is above the learning rate at step 2");
    oneErrorLine(Cli.run("branch", tmp.resolve("data").toString(), "--from", "2", "--decay-tokens", "64", out), 1,
        "not a cpt4j run directory");
    Files.createDirectories(tmp.resolve("out"));
    Files.writeString(tmp.resolve("out/keep.txt"), "x");
    oneErrorLine(Cli.run("branch", main.toString(), "--from", "2", "--decay-tokens", "64", out), 1,
        "exists and is not empty");
    oneErrorLine(Cli.run("branch", main.toString(), "--from", "2", "--decay-tokens", "64",
        main.resolve("b").toString()), 1, "lies inside the main run's directory");

    oneErrorLine(Cli.run("branch", main.toString(), "--from", "2", out), 2, "give one of --decay-tokens and --decay-steps");
    oneErrorLine(Cli.run("branch", main.toString(), "--from", "2", "--decay-steps", "2", "--shape", "wave", out), 2,
        "unknown decay shape 'wave'");
    oneErrorLine(Cli.run("branch", main.toString(), "--from", "step-x", "--decay-steps", "2", out), 2, "step-x");
    oneErrorLine(Cli.run("branch", main.toString(), "--from", "2", "--decay-tokens", "lots", out), 2, "lots");
    assertThat(contents(main)).isEqualTo(before);
    assertThat(Files.list(tmp.resolve("out")).map(p -> p.getFileName().toString())).containsExactly("keep.txt");
  }

  @Test
  void tokenCountsTakeSuffixesAndSeparators() {
    TokenCount c = new TokenCount();
    assertThat(c.convert("65536")).isEqualTo(65_536L);
    assertThat(c.convert("65_536")).isEqualTo(65_536L);
    assertThat(c.convert("200M")).isEqualTo(200_000_000L);
    assertThat(c.convert("1.5B")).isEqualTo(1_500_000_000L);
    assertThat(c.convert("2k")).isEqualTo(2_000L);
    assertThat(c.convert("1.5G")).isEqualTo(1_500_000_000L);
    for (String bad : new String[] {"1.5", "-3", "M", "", "1.0000001K"}) {
      assertThatThrownBy(() -> c.convert(bad)).as(bad).isInstanceOf(TypeConversionException.class);
    }
    BranchCommand.StepConverter s = new BranchCommand.StepConverter();
    assertThat(s.convert("step-4000")).isEqualTo(4_000L);
    assertThat(s.convert("12")).isEqualTo(12L);
    assertThatThrownBy(() -> s.convert("step-0")).isInstanceOf(TypeConversionException.class);
  }
}
