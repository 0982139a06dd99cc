package io.cpt4j.spark;

import io.cpt4j.data.ShardOptions;
import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * Bundled corpora through single-machine {@code TokenDataset.prepare} and {@link SparkPrepare} on
 * {@code local[N]}, then the dedup stages alone (documents/s). Run from the repository root after
 * {@code ./mvnw -pl sdk-spark -am package -DskipTests} (see docs/spark.md):
 * {@code java <spark opens> -cp ... io.cpt4j.spark.SparkPrepareBenchmark TOKENIZER [THREADS]}.
 */
public final class SparkPrepareBenchmark {
  private SparkPrepareBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path tokenizer = Path.of(args.length > 0 ? args[0] : "sdk-quickstart/target/models/tiny-llama/tokenizer.json");
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    Path out = Files.createTempDirectory("cpt4j-spark-bench");
    List<Source> sources = List.of(
        Source.jsonl("sdk-quickstart/src/main/resources/corpora/sotu/sotu.jsonl.gz", "text").named("sotu"),
        Source.text("sdk-quickstart/target/corpora/java/**.java").named("java"));
    SparkSession spark = SparkSession.builder().master("local[" + threads + "]").appName("cpt4j-bench")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", String.valueOf(2 * threads))
        .getOrCreate();
    SparkPrepare.of(sources.get(0)).tokenizer(tokenizer).output(out.resolve("warmup")).build().run(spark);
    System.out.printf("%-6s %10s %12s %12s %12s %8s%n", "SOURCE", "DOCUMENTS", "TOKENS", "SINGLE s", "SPARK s", "RATIO");
    for (Source s : sources) {
      long t0 = System.nanoTime();
      long documents;
      long tokens;
      try (Tokenizer tok = Tokenizer.open(tokenizer);
          TokenDataset d = TokenDataset.prepare(s, tok, out.resolve("single-" + s.name()),
              ShardOptions.builder().threads(threads).build())) {
        documents = d.documentCount();
        tokens = d.tokenCount();
      }
      double single = (System.nanoTime() - t0) / 1e9;
      long t1 = System.nanoTime();
      SparkPrepare.of(s).tokenizer(tokenizer).output(out.resolve("spark-" + s.name())).partitions(2 * threads)
          .build().run(spark);
      double distributed = (System.nanoTime() - t1) / 1e9;
      System.out.printf(Locale.ROOT, "%-6s %,10d %,12d %12.2f %12.2f %8.2f%n", s.name(), documents, tokens, single,
          distributed, distributed / single);
    }
    for (Source s : sources) {
      long t = System.nanoTime();
      PrepareReport r = SparkPrepare.of(s).tokenizer(tokenizer).output(out.resolve("dedup-" + s.name()))
          .exactDedup(true).nearDedup(NearDedup.jaccard(0.8)).partitions(2 * threads).build().run(spark);
      double all = (System.nanoTime() - t) / 1e9;
      System.out.printf(Locale.ROOT, "dedup %s: %,d documents, dropped %s, %.2f s with dedup (%,.0f documents/s)%n",
          s.name(), r.read(), r.dropped(), all, r.read() / all);
    }
    spark.stop();
  }
}
