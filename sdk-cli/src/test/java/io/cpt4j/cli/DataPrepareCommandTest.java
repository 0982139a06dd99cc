package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpt4j data prepare}: shards, stats, reuse, splits and the error contract. */
class DataPrepareCommandTest {
  @TempDir Path tmp;
  Path tokenizer;
  Path general;
  Path code;

  @BeforeEach
  void corpora() throws IOException {
    TestTokenizer.write(tmp);
    tokenizer = tmp.resolve("tokenizer.json");
    general = Files.createDirectories(tmp.resolve("general"));
    for (int i = 0; i < 20; i++) {
      Files.writeString(general.resolve("doc" + i + ".txt"), "hello world ".repeat(1 + i % 5));
    }
    code = tmp.resolve("code.jsonl");
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      b.append("{\"text\": \"int x").append(i).append(" = ").append(i).append(";\", \"url\": \"u").append(i)
          .append("\"}\n");
    }
    Files.writeString(code, b.toString());
  }

  private JsonNode prepare(String... extra) throws IOException {
    String[] base = {"data", "prepare", "--tokenizer", tokenizer.toString(), "--source", "general=text:" + general,
        "--source", "code=jsonl:" + code + ":text", "--out", tmp.resolve("out").toString(), "--seq-len", "16", "--json"};
    String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(extra))
        .toArray(String[]::new);
    Cli.Result r = Cli.run(args);
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode printed = new ObjectMapper().readTree(r.out());
    assertThat(new ObjectMapper().readTree(tmp.resolve("out/stats.json").toFile())).isEqualTo(printed);
    return printed;
  }

  @Test
  void tokenizesEverySourceAndReportsCountsAndPacking() throws IOException {
    JsonNode stats = prepare();
    JsonNode g = stats.get("sources").get("general");
    assertThat(g.get("documents").asLong()).isEqualTo(20);
    long expectedGeneral = 0;
    for (int i = 0; i < 20; i++) { // "hello" + " world" per repeat, plus " " before each next "hello"
      int n = 1 + i % 5;
      expectedGeneral += 2L * n + (n - 1) + 1; // trailing space is its own token
    }
    assertThat(g.get("tokens").asLong()).isEqualTo(expectedGeneral);
    assertThat(g.get("reused").asBoolean()).isFalse();
    assertThat(stats.get("sources").get("code").get("documents").asLong()).isEqualTo(30);
    JsonNode p = stats.get("packing");
    long tokens = g.get("tokens").asLong() + stats.get("sources").get("code").get("tokens").asLong();
    long withEos = tokens + 50; // one EOS per document
    // packed rows overlap by one token: rows = ceil((withEos - 1) / 16)
    assertThat(p.get("rows").asLong()).isEqualTo((withEos - 1 + 15) / 16);
    assertThat(p.get("padding_fraction").asDouble()).isBetween(0.0, 16.0 / (p.get("rows").asLong() * 16));
    assertThat(stats.get("tokenizer").get("eos_id").asInt()).isEqualTo(TestTokenizer.END_OF_TEXT);
    assertThat(tmp.resolve("out/general/dataset.json")).exists();
  }

  @Test
  void aTokenizerThatAddsBosFramesEveryDocumentAndTheModelNamesItsEos() throws IOException {
    long plainRows = prepare().get("packing").get("rows").asLong();
    TestTokenizer.addBosPostProcessor(tmp, "h", 'h');
    Files.writeString(tmp.resolve("config.json"), "{\"eos_token_id\": [" + TestTokenizer.SPACE_WORLD + ", 3]}");
    JsonNode stats = prepare();
    assertThat(stats.get("tokenizer").get("bos_id").asInt()).isEqualTo('h'); // byte-level: "h" is its byte's id
    assertThat(stats.get("tokenizer").get("eos_id").asInt()).isEqualTo(TestTokenizer.SPACE_WORLD); // config.json first
    long tokens = stats.get("sources").get("general").get("tokens").asLong()
        + stats.get("sources").get("code").get("tokens").asLong();
    assertThat(stats.get("packing").get("rows").asLong()).as("BOS + document + EOS, 50 documents")
        .isEqualTo((tokens + 100 - 1 + 15) / 16).isGreaterThan(plainRows);
    JsonNode without = prepare("--no-special-tokens");
    assertThat(without.get("tokenizer").has("bos_id")).isFalse();
    assertThat(without.get("packing").get("rows").asLong()).isEqualTo(plainRows);
  }

  @Test
  void aSecondRunReusesTheShardsAndAChangedSourceIsRebuilt() throws IOException {
    prepare();
    JsonNode again = prepare();
    assertThat(again.get("sources").get("general").get("reused").asBoolean()).isTrue();
    assertThat(again.get("sources").get("code").get("reused").asBoolean()).isTrue();
    Files.writeString(general.resolve("doc0.txt"), "hello hello hello");
    JsonNode changed = prepare();
    assertThat(changed.get("sources").get("general").get("reused").asBoolean()).isFalse();
    assertThat(changed.get("sources").get("code").get("reused").asBoolean()).isTrue();
  }

  @Test
  void validationSplitsAreDisjointAndCoverTheSource() throws IOException {
    JsonNode stats = prepare("--validation", "0.3", "--seed", "7");
    JsonNode code = stats.get("sources").get("code");
    long train = code.get("documents").asLong();
    long validation = code.get("validation").get("documents").asLong();
    assertThat(train + validation).isEqualTo(30);
    assertThat(validation).isBetween(1L, 20L);
    assertThat(tmp.resolve("out/code/validation/dataset.json")).exists();
  }

  @Test
  void unpackedRowsReportPadding() throws IOException {
    JsonNode p = prepare("--no-packing").get("packing");
    assertThat(p.get("packed").asBoolean()).isFalse();
    assertThat(p.get("rows").asLong()).isEqualTo(50);
    assertThat(p.get("positions").asLong()).isEqualTo(50 * 16);
    assertThat(p.get("padding_fraction").asDouble())
        .isEqualTo(p.get("padding_positions").asDouble() / p.get("positions").asDouble()).isGreaterThan(0.1);
  }

  @Test
  void badInputIsOneErrorLine() {
    Cli.Result missing = Cli.run("data", "prepare", "--tokenizer", tokenizer.toString(), "--source",
        "x=text:" + tmp.resolve("nothing-here"), "--out", tmp.resolve("o").toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.errLines()).hasSize(1);
    assertThat(missing.errLines()[0]).startsWith("error: ").contains("nothing-here");

    Cli.Result badSpec = Cli.run("data", "prepare", "--tokenizer", tokenizer.toString(), "--source", "x=csv:a",
        "--out", tmp.resolve("o").toString());
    assertThat(badSpec.exitCode()).isEqualTo(2);
    assertThat(badSpec.err()).contains("unknown kind 'csv'");

    Cli.Result badEos = Cli.run("data", "prepare", "--tokenizer", tokenizer.toString(), "--source",
        "g=text:" + general, "--out", tmp.resolve("o").toString(), "--eos", "<nope>");
    assertThat(badEos.exitCode()).isEqualTo(1);
    assertThat(badEos.errLines()).hasSize(1);
    assertThat(badEos.errLines()[0]).contains("<nope>");
  }

  @Test
  void theSparkEngineNamesWhatToPutOnTheClassPathAndItsOptionsNeedIt() {
    String[] base = {"data", "prepare", "--tokenizer", tokenizer.toString(), "--source", "general=text:" + general,
        "--out", tmp.resolve("out").toString()};
    String[] spark = java.util.stream.Stream.concat(java.util.Arrays.stream(base),
        java.util.stream.Stream.of("--engine", "spark", "--master", "local[2]")).toArray(String[]::new);
    Cli.Result missing = Cli.run(spark); // sdk-spark is not on this module's class path
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.errLines()).hasSize(1);
    assertThat(missing.errLines()[0]).startsWith("error: --engine spark is not on the class path")
        .contains("cpt4j-spark.jar").contains("docs/spark.md");
    String[] dedupLocally = java.util.stream.Stream.concat(java.util.Arrays.stream(base),
        java.util.stream.Stream.of("--exact-dedup")).toArray(String[]::new);
    Cli.Result usage = Cli.run(dedupLocally);
    assertThat(usage.exitCode()).isEqualTo(2);
    assertThat(usage.err()).contains("need --engine spark");
    Cli.Result icpLocally = Cli.run(java.util.stream.Stream.concat(java.util.Arrays.stream(base),
        java.util.stream.Stream.of("--in-context-order", "8")).toArray(String[]::new));
    assertThat(icpLocally.exitCode()).isEqualTo(2);
    assertThat(icpLocally.err()).contains("--in-context-order need --engine spark");
  }
}
