package io.cpt4j.spark;

import io.cpt4j.data.Source;
import java.nio.file.Path;
import java.util.Objects;
import java.util.ServiceLoader;
import org.apache.spark.sql.SparkSession;

/**
 * Corpus preparation as a Spark job: reads a source, optionally normalises it, drops documents that
 * fail {@link QualityFilters}, exact duplicates and {@link NearDedup near duplicates} (in that
 * order), optionally orders the rest for {@link InContextOrder In-Context Pretraining}, tokenizes per partition with the model's tokenizer and writes cpt4j token shards (one or
 * more per partition) plus one {@code dataset.json} that {@code TokenDataset.open} and {@code
 * MixtureSampler} read unchanged, and {@code stats.json} beside it in the directory.
 *
 * <pre>{@code
 * PrepareReport r = SparkPrepare.of(Source.jsonl("data/web/*.jsonl.gz", "text").named("web"))
 *     .tokenizer(Path.of("models/base/tokenizer.json"))
 *     .normalize(true).exactDedup(true).nearDedup(NearDedup.jaccard(0.8)).qualityFilters(QualityFilters.gopher())
 *     .output(Path.of("shards/web"))
 *     .build().run(spark);
 * }</pre>
 *
 * <p>Deterministic: documents are ordered by a stable id (the file's rank in the source's file order,
 * then the document's index in its file), or with {@link InContextOrder} by a traversal whose ties go
 * by that id, never by partitioning, and every choice (which duplicate
 * is kept) goes by that id; the same input and settings give the same shards. With no stage on, the
 * documents and their tokens are exactly those of {@code TokenDataset.prepare} on the same source.
 * Shards hold each document's own tokens as the single-machine path does (what the tokenizer's
 * post-processor adds; BOS/EOS framing happens when sampling).
 *
 * <p>Sources: a {@link Source} (text or JSONL; files are read by tasks, one file at a time, with the
 * single-machine reader) or {@link #parquet} (Spark's reader; globs; the text column). Executors
 * must see the source files, the output directory (a shared POSIX file system on a cluster) and
 * cpt4j's jars; the tokenizer is shipped to them. The output is staged in a hidden sibling and
 * renamed, so a killed job leaves no partial dataset.
 *
 * <p>Defaults: no stage, 2^28 tokens per shard, partitions = Spark's default parallelism. Immutable
 * and thread-safe; {@link #run} may be called again.
 */
public final class SparkPrepare {
  private final Settings settings;

  /**
   * Everything a run needs, resolved; see the builder for each field.
   *
   * @param parquetLocation for a Parquet source, its file, directory or glob (else null)
   * @param parquetField for a Parquet source, its text column
   */
  public record Settings(Source source, String parquetLocation, String parquetField, String name, Path tokenizer,
      Path output, boolean normalize, QualityFilters filters, boolean exactDedup, NearDedup nearDedup,
      InContextOrder inContext, long maxShardTokens, int partitions) {
    public Settings {
      Objects.requireNonNull(tokenizer, "a tokenizer: call tokenizer(path)");
      Objects.requireNonNull(output, "an output directory: call output(path)");
      if (maxShardTokens < 1) {
        throw new IllegalArgumentException("maxShardTokens must be >= 1, got " + maxShardTokens);
      }
      if (partitions < 0) {
        throw new IllegalArgumentException("partitions must be >= 0 (0: the default parallelism), got " + partitions);
      }
    }
  }

  private SparkPrepare(Settings settings) {
    this.settings = settings;
  }

  /** A job reading a text or JSONL {@link Source} (its name names the dataset). */
  public static Builder of(Source source) {
    return new Builder(Objects.requireNonNull(source, "source"), null, null, source.name());
  }

  /** A job reading Parquet files at a file, directory or glob, the text in string column {@code field}. */
  public static Builder parquet(String location, String field) {
    if (location == null || location.isBlank() || field == null || field.isBlank()) {
      throw new IllegalArgumentException("a Parquet source needs a location and a text column");
    }
    return new Builder(null, location, field, location);
  }

  public Settings settings() {
    return settings;
  }

  /** Runs the job on {@code spark} and returns what it kept and dropped. */
  public PrepareReport run(SparkSession spark) {
    return runner().run(spark, settings);
  }

  /**
   * The {@code spark-submit --class io.cpt4j.spark.SparkPrepare} entry point; {@code --help} lists
   * the arguments. Exits 0 on success, 1 with an {@code error:} line on failure, 2 on bad usage.
   */
  public static void main(String[] args) {
    System.exit(runner().main(args));
  }

  /**
   * The implementation, registered by this module in {@code META-INF/services} (the public types
   * do not depend on the internal package). Not for users.
   */
  public interface Runner {
    PrepareReport run(SparkSession spark, Settings settings);

    /** The command-line entry point; returns the exit status. */
    int main(String[] args);
  }

  private static Runner runner() {
    return ServiceLoader.load(Runner.class, SparkPrepare.class.getClassLoader()).findFirst()
        .orElseThrow(() -> new IllegalStateException("sdk-spark's jar is incomplete: no " + Runner.class.getName()
            + " in META-INF/services"));
  }

  /** Collects the settings; {@link #build()} checks them. Not thread-safe. */
  public static final class Builder {
    private final Source source;
    private final String parquetLocation;
    private final String parquetField;
    private String name;
    private Path tokenizer;
    private Path output;
    private boolean normalize;
    private QualityFilters filters;
    private boolean exactDedup;
    private NearDedup nearDedup;
    private InContextOrder inContext;
    private long maxShardTokens = 1L << 28;
    private int partitions;

    private Builder(Source source, String parquetLocation, String parquetField, String name) {
      this.source = source;
      this.parquetLocation = parquetLocation;
      this.parquetField = parquetField;
      this.name = name;
    }

    /** The dataset's source name (default: the source's name, or the Parquet location). */
    public Builder named(String n) { this.name = Objects.requireNonNull(n, "name"); return this; }

    /** The model's {@code tokenizer.json} (required). */
    public Builder tokenizer(Path tokenizerJson) { this.tokenizer = tokenizerJson; return this; }

    /** The dataset directory to write (required); replaced atomically. */
    public Builder output(Path directory) { this.output = directory; return this; }

    /** Unicode NFC and {@code \n} line ends ({@code \r\n} and lone {@code \r} become {@code \n}); default off. */
    public Builder normalize(boolean on) { this.normalize = on; return this; }

    /** Quality filters, or null for none (the default). */
    public Builder qualityFilters(QualityFilters f) { this.filters = f; return this; }

    /** Drop documents whose (normalised) text equals an earlier one's; default off. */
    public Builder exactDedup(boolean on) { this.exactDedup = on; return this; }

    /** Near-duplicate removal, or null for none (the default). */
    public Builder nearDedup(NearDedup n) { this.nearDedup = n; return this; }

    /**
     * Write the kept documents in In-Context Pretraining order (related documents adjacent) and mark
     * the dataset {@code "ordered"} so the sampler keeps that order; null for id order (the default).
     */
    public Builder inContextOrder(InContextOrder o) { this.inContext = o; return this; }

    /** Tokens per shard file before a new one starts (default 2^28). */
    public Builder maxShardTokens(long n) { this.maxShardTokens = n; return this; }

    /** Partitions to tokenize and write (default 0: Spark's default parallelism). */
    public Builder partitions(int n) { this.partitions = n; return this; }

    /**
     * The job.
     *
     * @throws NullPointerException naming a missing tokenizer or output
     * @throws IllegalArgumentException naming a setting out of range
     */
    public SparkPrepare build() {
      return new SparkPrepare(new Settings(source, parquetLocation, parquetField, name, tokenizer, output, normalize,
          filters, exactDedup, nearDedup, inContext, maxShardTokens, partitions));
    }
  }
}
