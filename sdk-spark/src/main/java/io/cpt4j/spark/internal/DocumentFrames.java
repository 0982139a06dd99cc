package io.cpt4j.spark.internal;

import io.cpt4j.data.DataException;
import io.cpt4j.data.Document;
import io.cpt4j.data.Source;
import io.cpt4j.data.internal.SourceReader;
import io.cpt4j.data.internal.SourceReader.FileRef;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * Reads a source into a DataFrame {@code (id: long, text: string)}. The id is the document's stable
 * place in the single-machine order: {@code fileRank << 40 | indexInFile}, the file's rank in the
 * source's sorted file list; sorting by it gives the order of {@code Source.documents()}.
 */
final class DocumentFrames {
  private DocumentFrames() {}

  static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.LongType, false)
      .add("text", DataTypes.StringType, false);

  private static final int INDEX_BITS = 40;

  /** The id of document {@code index} of file {@code rank}. */
  static long id(long rank, long index) {
    if (rank >= 1L << (63 - INDEX_BITS) || index >= 1L << INDEX_BITS) {
      throw new DataException("file " + rank + ", document " + index + " is beyond the ids this job assigns ("
          + (1L << (63 - INDEX_BITS)) + " files, " + (1L << INDEX_BITS) + " documents per file)");
    }
    return rank << INDEX_BITS | index;
  }

  /** The source's files (text/JSONL) or Parquet rows as {@code (id, text)}. */
  static Dataset<Row> read(SparkSession spark, SourceSpec source, String parquetLocation, String parquetField,
      int partitions, LongAccumulator invalidUtf8) {
    return source != null ? readFiles(spark, source, partitions, invalidUtf8)
        : readParquet(spark, parquetLocation, parquetField);
  }

  private record FileTask(long rank, FileRef file) implements Serializable {}

  private static Dataset<Row> readFiles(SparkSession spark, SourceSpec spec, int partitions,
      LongAccumulator invalidUtf8) {
    List<FileRef> files = SourceReader.files(spec.toSource());
    List<FileTask> tasks = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      tasks.add(new FileTask(i, files.get(i)));
    }
    JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(tasks, Math.max(1, Math.min(tasks.size(), partitions)))
        .mapPartitions(it -> documents(spec, it, invalidUtf8));
    return spark.createDataFrame(rows, SCHEMA);
  }

  private static Iterator<Row> documents(SourceSpec spec, Iterator<FileTask> tasks, LongAccumulator invalidUtf8) {
    Source source = spec.toSource();
    Iterable<FileTask> iterable = () -> tasks;
    Stream<Row> rows = java.util.stream.StreamSupport.stream(iterable.spliterator(), false)
        .flatMap(t -> SourceReader.documents(source, t.file(), invalidUtf8::add)
            .map(d -> RowFactory.create(id(t.rank(), indexInFile(d)), d.text())));
    return rows.iterator();
  }

  private static long indexInFile(Document d) {
    return Long.parseLong(d.origin().substring(d.origin().lastIndexOf('#') + 1));
  }

  /** Parquet through Spark's reader; files ranked by their sorted paths, rows by their index in the file. */
  private static Dataset<Row> readParquet(SparkSession spark, String location, String field) {
    Dataset<Row> raw = spark.read().parquet(location)
        .select(functions.col("_metadata.file_path").as("file"), functions.col("_metadata.row_index").as("row"),
            functions.col(field).cast(DataTypes.StringType).as("text"))
        .filter(functions.col("text").isNotNull());
    List<String> paths = raw.select("file").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    List<Row> ranks = new ArrayList<>();
    List<String> sorted = paths.stream().sorted().toList();
    for (int i = 0; i < sorted.size(); i++) {
      ranks.add(RowFactory.create(sorted.get(i), (long) i));
    }
    Dataset<Row> rankFrame = spark.createDataFrame(ranks, new StructType()
        .add("file", DataTypes.StringType).add("rank", DataTypes.LongType));
    return raw.join(functions.broadcast(rankFrame), "file")
        .select(functions.col("rank").multiply(functions.lit(1L << INDEX_BITS))
            .plus(functions.col("row")).as("id"), functions.col("text"));
  }

  /** A {@link Source}'s reading options in serialisable form (executors rebuild the source). */
  record SourceSpec(Source.Kind kind, String location, String field, boolean blankLines, boolean replaceUtf8,
      double splitFraction, long splitSeed, boolean validation, String name) implements Serializable {
    static SourceSpec of(Source s) {
      Source.SplitSpec split = s.splitSpec();
      return new SourceSpec(s.kind(), s.location(), s.field(), s.isBlankLineDocuments(),
          s.utf8Errors() == Source.Utf8Errors.REPLACE, split == null ? 0 : split.fraction(),
          split == null ? 0 : split.seed(), split != null && split.validation(), s.name());
    }

    SourceSpec withName(String n) {
      return new SourceSpec(kind, location, field, blankLines, replaceUtf8, splitFraction, splitSeed, validation, n);
    }

    Source toSource() {
      Source s = kind == Source.Kind.JSONL ? Source.jsonl(location, field) : Source.text(location);
      if (blankLines) {
        s = s.blankLineDocuments();
      }
      if (replaceUtf8) {
        s = s.replaceInvalidUtf8();
      }
      if (splitFraction > 0) {
        Source.Split both = s.split(splitFraction, splitSeed);
        s = validation ? both.validation() : both.train();
      }
      return s.named(name);
    }
  }
}
