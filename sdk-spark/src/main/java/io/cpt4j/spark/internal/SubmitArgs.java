package io.cpt4j.spark.internal;

import io.cpt4j.Cpt4jException;
import io.cpt4j.data.Source;
import io.cpt4j.spark.InContextOrder;
import io.cpt4j.spark.NearDedup;
import io.cpt4j.spark.PrepareReport;
import io.cpt4j.spark.QualityFilters;
import io.cpt4j.spark.SparkPrepare;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/** The arguments of {@code spark-submit --class io.cpt4j.spark.SparkPrepare cpt4j-spark.jar ARGS}. */
final class SubmitArgs {
  private SubmitArgs() {}

  static final String USAGE = """
      usage: spark-submit --class io.cpt4j.spark.SparkPrepare cpt4j-spark.jar \\
          --tokenizer tokenizer.json --out DIR --source NAME=KIND:LOCATION[:FIELD]... [options]
        KIND: text (one document per file), blocks (per blank-line block), jsonl:LOCATION:FIELD,
              parquet:LOCATION:FIELD; LOCATION a file, directory or glob. Each source goes to DIR/NAME.
        --normalize            Unicode NFC and \\n line ends
        --quality-filters      Gopher quality filters (QualityFilters.gopher())
        --exact-dedup          drop exact duplicates
        --near-dedup T         drop near duplicates at Jaccard similarity >= T (MinHash LSH)
        --in-context-order K   write related documents adjacently (In-Context Pretraining, K neighbours)
        --max-shard-tokens N   tokens per shard file (default 2^28)
        --partitions N         partitions to tokenize and write (default: default parallelism)
        --master M             Spark master when not set by spark-submit (e.g. local[2])""";

  static int main(String[] args) {
    List<SparkPrepare.Builder> jobs = new ArrayList<>();
    String master = null;
    try {
      Path tokenizer = null;
      Path out = null;
      List<String> sources = new ArrayList<>();
      boolean normalize = false;
      boolean exact = false;
      boolean filters = false;
      double near = 0;
      int inContext = 0;
      long maxShardTokens = 1L << 28;
      int partitions = 0;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--help", "-h" -> {
            System.out.println(USAGE);
            return 0;
          }
          case "--tokenizer" -> tokenizer = Path.of(value(args, ++i));
          case "--out", "-o" -> out = Path.of(value(args, ++i));
          case "--source" -> sources.add(value(args, ++i));
          case "--master" -> master = value(args, ++i);
          case "--normalize" -> normalize = true;
          case "--exact-dedup" -> exact = true;
          case "--quality-filters" -> filters = true;
          case "--near-dedup" -> near = Double.parseDouble(value(args, ++i));
          case "--in-context-order" -> inContext = Integer.parseInt(value(args, ++i));
          case "--max-shard-tokens" -> maxShardTokens = Long.parseLong(value(args, ++i));
          case "--partitions" -> partitions = Integer.parseInt(value(args, ++i));
          default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
        }
      }
      if (tokenizer == null || out == null || sources.isEmpty()) {
        throw new IllegalArgumentException("--tokenizer, --out and at least one --source are required");
      }
      for (String spec : sources) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("invalid source '" + spec + "': expected NAME=KIND:LOCATION");
        }
        String name = spec.substring(0, eq);
        jobs.add(builder(spec.substring(eq + 1), spec).named(name).tokenizer(tokenizer).output(out.resolve(name))
            .normalize(normalize).exactDedup(exact).qualityFilters(filters ? QualityFilters.gopher() : null)
            .nearDedup(near > 0 ? NearDedup.jaccard(near) : null)
            .inContextOrder(inContext > 0 ? InContextOrder.minHash(inContext) : null).maxShardTokens(maxShardTokens)
            .partitions(partitions));
      }
    } catch (IllegalArgumentException e) { // NumberFormatException among them
      System.err.println("error: " + e.getMessage());
      System.err.println(USAGE);
      return 2;
    }
    SparkSession spark = SparkRunner.session(master, 64);
    try {
      for (SparkPrepare.Builder job : jobs) {
        PrepareReport r = job.build().run(spark);
        System.out.printf(Locale.ROOT, "%s: read %,d documents, kept %,d (%,d tokens in %d shards), dropped %s; %s (%.1f s)%n",
            r.source(), r.read(), r.keptDocuments(), r.keptTokens(), r.shards(), r.dropped(), r.directory(),
            r.seconds());
      }
      return 0;
    } catch (Cpt4jException | IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    } finally {
      spark.stop();
    }
  }

  /** {@code KIND:LOCATION[:FIELD]} as a job builder. */
  private static SparkPrepare.Builder builder(String kindAndLocation, String spec) {
    int colon = kindAndLocation.indexOf(':');
    String kind = colon < 0 ? "" : kindAndLocation.substring(0, colon);
    String rest = kindAndLocation.substring(colon + 1);
    int last = rest.lastIndexOf(':');
    return switch (kind) {
      case "text" -> SparkPrepare.of(Source.text(rest));
      case "blocks" -> SparkPrepare.of(Source.text(rest).blankLineDocuments());
      case "jsonl" -> SparkPrepare.of(Source.jsonl(rest.substring(0, Math.max(0, last)), rest.substring(last + 1)));
      case "parquet" -> SparkPrepare.parquet(rest.substring(0, Math.max(0, last)), rest.substring(last + 1));
      default -> throw new IllegalArgumentException("invalid source '" + spec
          + "': KIND must be text, blocks, jsonl or parquet");
    };
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }
}
