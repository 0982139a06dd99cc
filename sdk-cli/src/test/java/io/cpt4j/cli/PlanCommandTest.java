package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.plan.MixtureLaw;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpt4j plan pilot|fit|predict|recommend}: a fit of generated observations, pilots, and errors. */
class PlanCommandTest {
  @TempDir Path tmp;

  private static final MixtureLaw DOMAIN = new MixtureLaw("domain", false, 1.8, 0, 0, 10, 0.4, 0.3, 0.6, 0.4, 0.01);
  private static final MixtureLaw GENERAL = new MixtureLaw("general", true, 2.5, 0, 0, 8, 0.5, 0.25, 0.4, 0.3, 0.01);

  private Path observations() throws IOException {
    StringBuilder out = new StringBuilder();
    Random random = new Random(5);
    for (double r : new double[] {0.1, 0.3, 0.5, 0.7, 0.9}) {
      for (long d : new long[] {1_000_000, 3_000_000, 10_000_000}) {
        out.append(String.format(Locale.ROOT, "{\"ratio\": %s, \"tokens\": %d, \"losses\": {\"domain\": %.6f, "
            + "\"general\": %.6f}}%n", r, d, DOMAIN.loss(r, d, 0) + 0.002 * random.nextGaussian(),
            GENERAL.loss(r, d, 0) + 0.002 * random.nextGaussian()));
      }
    }
    return Files.writeString(tmp.resolve("obs.jsonl"), out);
  }

  @Test
  void fitPredictAndRecommendFromAnObservationsFile() throws IOException {
    Path obs = observations();
    Cli.Result fit = Cli.run("plan", "fit", obs.toString(), "--plots", tmp.resolve("plots").toString());
    assertThat(fit.exitCode()).as(fit.err()).isZero();
    assertThat(fit.out()).contains("15 observations, 2 validation sets (general: general)")
        .contains("domain (domain share): L = ").contains("general (general share)");
    assertThat(tmp.resolve("fit.json")).exists();
    assertThat(tmp.resolve("plots/law-domain.png")).exists();
    assertThat(tmp.resolve("plots/frontier.svg")).exists();

    Cli.Result json = Cli.run("plan", "fit", obs.toString(), "--json", "--out", tmp.resolve("fit2.json").toString());
    JsonNode fits = new ObjectMapper().readTree(json.out()).path("fits");
    assertThat(fits).hasSize(2);
    assertThat(fits.get(0).path("r2").asDouble()).isGreaterThan(0.999);
    assertThat(fits.get(0).path("predictions")).hasSize(15);

    Cli.Result predict = Cli.run("plan", "predict", tmp.resolve("fit.json").toString(), "--ratio", "0.4",
        "--tokens", "5M", "--json");
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    JsonNode row = new ObjectMapper().readTree(predict.out()).get(0);
    assertThat(row.path("tokens").asLong()).isEqualTo(5_000_000);
    assertThat(row.path("losses").path("domain").asDouble()).isCloseTo(DOMAIN.loss(0.4, 5e6, 0), within(0.01));
    assertThat(row.path("losses").path("general").asDouble()).isCloseTo(GENERAL.loss(0.4, 5e6, 0), within(0.01));

    Cli.Result tokens = Cli.run("plan", "predict", tmp.resolve("fit.json").toString(), "--ratio", "0.5",
        "--target-loss", "2.65");
    assertThat(tokens.out()).contains("domain at share 0.500 reaches 2.6500 after ");

    Cli.Result rec = Cli.run("plan", "recommend", tmp.resolve("fit.json").toString(), "--tokens", "10M",
        "--max-general-increase", "2%", "--json");
    assertThat(rec.exitCode()).as(rec.err()).isZero();
    JsonNode r = new ObjectMapper().readTree(rec.out());
    assertThat(r.path("general_increase").asDouble()).isLessThanOrEqualTo(0.02 + 1e-12);
    assertThat(r.path("ratio").asDouble()).isBetween(0.0, 1.0);
    Cli.Result text = Cli.run("plan", "recommend", tmp.resolve("fit.json").toString(), "--tokens", "10M",
        "--max-general-increase", "0.02");
    assertThat(text.out()).startsWith("recommended domain share ");
    Cli.Result weighted = Cli.run("plan", "recommend", tmp.resolve("fit.json").toString(), "--tokens", "10M",
        "--weight", "1", "--json");
    double unbounded = new ObjectMapper().readTree(weighted.out()).path("ratio").asDouble();
    assertThat(new ObjectMapper().readTree(weighted.out()).path("domain_loss").asDouble())
        .isLessThanOrEqualTo(r.path("domain_loss").asDouble());
    assertThat(unbounded).isGreaterThanOrEqualTo(r.path("ratio").asDouble());
    Cli.Result both = Cli.run("plan", "recommend", tmp.resolve("fit.json").toString(), "--tokens", "10M");
    assertThat(both.exitCode()).isEqualTo(2);
  }

  @Test
  void pilotsFromARunFileThenAFit() throws IOException {
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(TestTokenizer.VOCAB_SIZE).hiddenSize(16)
        .intermediateSize(32).numLayers(1).numHeads(2).maxPositionEmbeddings(64)
        .eosTokenIds(List.of(TestTokenizer.END_OF_TEXT)).build();
    TestCheckpoints.write(tmp.resolve("base"), config, TestCheckpoints.tensors(config, 1));
    TestTokenizer.write(tmp.resolve("base"));
    Path hello = Files.createDirectories(tmp.resolve("hello"));
    Path world = Files.createDirectories(tmp.resolve("world"));
    for (int i = 0; i < 8; i++) {
      Files.writeString(hello.resolve("d" + i + ".txt"), "hello hello ".repeat(3 + i));
      Files.writeString(world.resolve("d" + i + ".txt"), "world or world ".repeat(3 + i));
    }
    Path run = Files.writeString(tmp.resolve("cpt.yaml"), """
        base: base
        output: unused
        schedule: {type: warmup-decay, max_lr: 1e-2, warmup_steps: 1, min_lr: 1e-3}
        mixture:
          sources:
            - {name: domain, text: hello, weight: 0.9}
            - {name: general, text: world, weight: 0.1, replay: true}
        validation:
          domain: {text: hello}
          general: {text: world}
        steps: 4
        sequence_length: 16
        batch_tokens: 32
        """);
    Cli.Result pilot = Cli.run("plan", "pilot", run.toString(), tmp.resolve("pilots").toString(), "--ratios",
        "0.2,0.5,0.8", "--tokens", "64,128");
    assertThat(pilot.exitCode()).as(pilot.err()).isZero();
    assertThat(pilot.out()).contains("pilot 6/6").contains("6 observations -> ");
    assertThat(Files.readAllLines(tmp.resolve("pilots/observations.jsonl"))).hasSize(6);
    Cli.Result fit = Cli.run("plan", "fit", tmp.resolve("pilots").toString());
    assertThat(fit.exitCode()).as(fit.err()).isZero();
    assertThat(fit.out()).contains("6 observations, 2 validation sets (general: general)");
    assertThat(tmp.resolve("pilots/fit.json")).exists();
  }

  @Test
  void badInputIsOneErrorLine() throws IOException {
    Path obs = Files.writeString(tmp.resolve("bad.jsonl"), "{\"ratio\": 0.5, \"tokens\": 100, \"losses\": {\"d\": 2}}\n"
        + "{\"ratio\": 0.5, \"tokens\": -3, \"losses\": {\"d\": 2}}\n");
    Cli.Result bad = Cli.run("plan", "fit", obs.toString());
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.errLines()).hasSize(1);
    assertThat(bad.errLines()[0]).isEqualTo("error: " + obs + ":2: tokens must be at least 1, got -3");
    Files.writeString(obs, "{\"ratio\": 0.5, \"tokens\": 100, \"losses\": {\"d\": 2}}\n");
    Cli.Result few = Cli.run("plan", "fit", obs.toString());
    assertThat(few.exitCode()).isEqualTo(1);
    assertThat(few.errLines()[0]).contains("validation set 'd' has 1 observation(s)");
    Cli.Result noPlan = Cli.run("plan", "predict", obs.toString(), "--ratio", "0.5", "--tokens", "1M");
    assertThat(noPlan.exitCode()).isEqualTo(1);
    assertThat(noPlan.errLines()[0]).contains("not a plan file");
    Cli.Result tokens = Cli.run("plan", "recommend", obs.toString(), "--tokens", "lots", "--max-general-increase", "1%");
    assertThat(tokens.exitCode()).isEqualTo(2); // bad usage
    assertThat(tokens.err()).contains("'lots' is not a token count");
  }
}
