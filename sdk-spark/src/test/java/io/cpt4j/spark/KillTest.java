package io.cpt4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job killed with SIGKILL while writing leaves no partial dataset; a rerun cleans up and completes. */
class KillTest {
  @TempDir Path dir;

  @Test
  void aKilledJobLeavesNoPartialManifestAndARerunCompletes() throws Exception {
    Random r = new Random(5);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      texts.add(SparkFixtures.text(r, 200));
    }
    SparkFixtures.writeJsonl(dir.resolve("in/docs.jsonl"), texts);
    Path tokenizer = SparkFixtures.tokenizer(texts.subList(0, 20), dir.resolve("tokenizer.json"));
    Path out = dir.resolve("out");

    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("--enable-native") || a.startsWith("-D")).toList());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), SparkPrepare.class.getName(),
        "--master", "local[2]", "--tokenizer", tokenizer.toString(), "--out", out.toString(), "--partitions", "8",
        "--max-shard-tokens", "2000", "--source", "docs=jsonl:" + dir.resolve("in/docs.jsonl") + ":text"));
    Process job = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("job.log").toFile()).start();
    Path staging = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (staging == null && job.isAlive() && System.nanoTime() < deadline) {
      staging = stagingWithAShard(dir);
      Thread.sleep(20);
    }
    assertThat(staging).as("the job reached writing shards (log: %s)", Files.readString(dir.resolve("job.log")))
        .isNotNull();
    job.destroyForcibly().waitFor(); // SIGKILL on Unix
    assertThat(out.resolve("docs/dataset.json")).doesNotExist();
    assertThat(out.resolve("docs")).doesNotExist();

    PrepareReport report = SparkPrepare.of(Source.jsonl(dir.resolve("in/docs.jsonl").toString(), "text"))
        .tokenizer(tokenizer).output(out.resolve("docs")).build().run(SparkFixtures.spark());
    try (TokenDataset d = TokenDataset.open(out.resolve("docs"))) {
      assertThat(d.documentCount()).isEqualTo(400).isEqualTo(report.keptDocuments());
    }
    assertThat(stagingWithAShard(dir)).as("the rerun removed the killed job's staging directory").isNull();
  }

  /** A hidden staging directory of {@code out/docs} that holds a shard file, or null. */
  private static Path stagingWithAShard(Path dir) throws IOException {
    Path parent = dir.resolve("out");
    if (!Files.isDirectory(parent)) {
      return null;
    }
    try (Stream<Path> s = Files.list(parent)) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".docs.tmp-")).toList()) {
        try (Stream<Path> files = Files.list(p)) {
          if (files.anyMatch(f -> f.getFileName().toString().startsWith("shard-"))) {
            return p;
          }
        } catch (IOException ignored) {
          // renamed meanwhile
        }
      }
    }
    return null;
  }
}
