package io.cpt4j.spark.internal;

import static org.apache.spark.sql.functions.col;

import io.cpt4j.data.DataException;
import io.cpt4j.data.internal.ShardFiles;
import io.cpt4j.data.internal.SourceReader;
import io.cpt4j.spark.PrepareReport;
import io.cpt4j.spark.SparkPrepare.Settings;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;

/**
 * The job behind {@link io.cpt4j.spark.SparkPrepare#run}: read → stages → tokenize → order by id (or
 * by {@link InContextStage}) → plan → write → commit.
 *
 * <ol>
 *   <li>Documents are read and persisted, then the {@link Stages} mark what they drop.
 *   <li>Every document is tokenized (dropped ones too, so the report counts their tokens).
 *   <li>Kept documents are range-partitioned and sorted by id and persisted; a first pass counts each
 *       partition's documents, tokens and shards ({@link ShardFiles.Plan}), so each partition knows
 *       its first shard number, document and token; a second pass writes the shards, each partition
 *       its own, into the staging directory, and the driver commits it with one {@code
 *       dataset.json} and {@code stats.json}.
 * </ol>
 */
public final class PrepareJob {
  private PrepareJob() {}

  public static PrepareReport run(SparkSession spark, Settings s) {
    long start = System.nanoTime();
    byte[] json;
    ShardFiles.TokenizerInfo info;
    try (Tokenizer tokenizer = Tokenizer.open(s.tokenizer())) {
      json = Files.readAllBytes(s.tokenizer());
      info = new ShardFiles.TokenizerInfo(tokenizer.fingerprint(), tokenizer.vocabSize());
    } catch (IOException e) {
      throw new DataException("cannot read the tokenizer " + s.tokenizer() + ": " + e.getMessage(), e);
    }
    int partitions = s.partitions() > 0 ? s.partitions() : spark.sparkContext().defaultParallelism();
    DocumentFrames.SourceSpec spec = s.source() == null ? null : DocumentFrames.SourceSpec.of(s.source());
    LongAccumulator invalidUtf8 = spark.sparkContext().longAccumulator("cpt4j invalid UTF-8");
    Dataset<Row> docs = DocumentFrames.read(spark, spec, s.parquetLocation(), s.parquetField(), partitions, invalidUtf8)
        .repartition(partitions, col("id")).persist(StorageLevel.MEMORY_AND_DISK());
    long read = docs.count();
    Dataset<Row> staged = Stages.apply(docs, s.normalize(), s.filters(), s.exactDedup(), s.nearDedup());
    if (s.inContext() != null) { // read twice: tokenized, and ordered below
      staged = staged.persist(StorageLevel.MEMORY_AND_DISK());
    }

    Broadcast<byte[]> tokenizerBytes = spark.sparkContext().broadcast(json,
        scala.reflect.ClassTag$.MODULE$.apply(byte[].class));
    String tokenizerFingerprint = info.fingerprint();
    int width = ShardFiles.width(info.vocabSize());
    Dataset<Row> tokenized = staged.select("id", "text", "drop")
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> ExecutorTokenizer.tokenize(rows, tokenizerFingerprint,
            tokenizerBytes.value(), width), Encoders.row(ExecutorTokenizer.SCHEMA))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Map<String, PrepareReport.Count> counts = Stats.counts(tokenized);
    Dataset<Row> keptTokens = tokenized.filter(col("drop").isNull()).select("id", "tokens");
    InContextStage.Result inContext = null;
    if (s.inContext() != null) { // written by position in the path instead of by id
      inContext = InContextStage.order(spark, staged.filter(col("drop").isNull()).select("id", "text"), s.inContext());
      keptTokens = keptTokens.join(inContext.positions(), "id").select(col("pos").as("id"), col("tokens"));
    }
    JavaRDD<Row> ordered = keptTokens.repartitionByRange(partitions, col("id")).sortWithinPartitions("id")
        .javaRDD().persist(StorageLevel.MEMORY_AND_DISK());
    InContextStage.Result icp = inContext;
    try {
      List<long[]> plans = plan(ordered, s.maxShardTokens());
      int shards = plans.stream().mapToInt(p -> (int) p[3]).sum();
      String sourceFingerprint = sourceFingerprint(s);
      PrepareReport.Count kept = counts.getOrDefault(null, new PrepareReport.Count(0, 0));
      counts.remove(null);
      PrepareReport report = new PrepareReport(s.name(), s.output(), read, invalidUtf8.value(), kept.documents(),
          kept.tokens(), Stats.inStageOrder(counts), shards, (System.nanoTime() - start) / 1e9);
      ShardFiles.build(s.output(), s.name(), sourceFingerprint, info, icp != null, staging -> {
        List<ShardFiles.Entry> entries = write(ordered, plans, staging, info,
            ShardFiles.fingerprint(sourceFingerprint, info.fingerprint()), s.maxShardTokens());
        Files.writeString(staging.resolve(Stats.FILE), Stats.json(report, s, icp));
        return entries;
      });
      return report;
    } finally {
      ordered.unpersist(false);
      tokenized.unpersist(false);
      staged.unpersist(false);
      docs.unpersist(false);
      tokenizerBytes.destroy();
    }
  }

  /** Per partition: {@code [partition, documents, tokens, shards]}. */
  private static List<long[]> plan(JavaRDD<Row> ordered, long maxShardTokens) {
    return ordered.mapPartitionsWithIndex((index, rows) -> {
      ShardFiles.Plan plan = new ShardFiles.Plan(maxShardTokens);
      while (rows.hasNext()) {
        plan.add(rows.next().getList(1).size());
      }
      return List.of(new long[] {index, plan.documents(), plan.tokens(), plan.shards()}).iterator();
    }, true).collect();
  }

  private static List<ShardFiles.Entry> write(JavaRDD<Row> ordered, List<long[]> plans, Path staging,
      ShardFiles.TokenizerInfo info, String fingerprint, long maxShardTokens) {
    int n = plans.size();
    int[] firstShard = new int[n];
    long[] firstDocument = new long[n];
    long[] firstToken = new long[n];
    for (int i = 1; i < n; i++) {
      firstShard[i] = firstShard[i - 1] + (int) plans.get(i - 1)[3];
      firstDocument[i] = firstDocument[i - 1] + plans.get(i - 1)[1];
      firstToken[i] = firstToken[i - 1] + plans.get(i - 1)[2];
    }
    int[] shardCounts = plans.stream().mapToInt(p -> (int) p[3]).toArray();
    String dir = staging.toString();
    return ordered.mapPartitionsWithIndex((index, rows) -> {
      Path out = Path.of(dir);
      for (int k = 0; k < shardCounts[index]; k++) { // a retried task starts over
        Files.deleteIfExists(out.resolve(String.format("shard-%05d.bin", firstShard[index] + k)));
      }
      try (ShardFiles.Writer writer = new ShardFiles.Writer(out, info, fingerprint, maxShardTokens, firstShard[index],
          firstDocument[index], firstToken[index])) {
        while (rows.hasNext()) {
          writer.add(ints(rows.next().getList(1)));
        }
        return writer.finish().iterator();
      }
    }, true).collect();
  }

  private static int[] ints(List<Integer> list) {
    int[] a = new int[list.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = list.get(i);
    }
    return a;
  }

  /**
   * Hex SHA-256 over the job's inputs as listed (text/JSONL: each file's relative path, size and
   * modification time; Parquet: location and column) and every setting that changes the documents.
   * Cheap (no file is read), so the driver never reads the corpus.
   */
  static String sourceFingerprint(Settings s) {
    StringBuilder b = new StringBuilder("cpt4j-spark-v1\n");
    if (s.source() != null) {
      b.append(DocumentFrames.SourceSpec.of(s.source()).withName(null)).append('\n');
      for (SourceReader.FileRef f : SourceReader.files(s.source())) {
        b.append(f.relative()).append('\t').append(f.bytes()).append('\t').append(f.modified()).append('\n');
      }
    } else {
      b.append("parquet\t").append(s.parquetLocation()).append('\t').append(s.parquetField()).append('\n');
    }
    b.append(s.normalize()).append('\t').append(s.filters()).append('\t').append(s.exactDedup()).append('\t')
        .append(s.nearDedup()).append('\n');
    if (s.inContext() != null) { // absent when off, so fingerprints of earlier settings are unchanged
      b.append("in-context\t").append(s.inContext()).append('\n');
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(b.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
