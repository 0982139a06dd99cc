package io.cpt4j.spark.internal;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import io.cpt4j.spark.NearDedup;
import io.cpt4j.spark.QualityFilters;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.StopWordsRemover;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * The stages between reading and tokenizing, on a frame {@code (id, text)}: normalisation rewrites
 * the text; quality filters, exact and near dedup set column {@code drop} to the reason a document
 * is dropped (null: kept). Each stage sees only the documents the stages before it kept, and every
 * choice between documents goes by the smaller id, so partitioning never changes the result.
 */
final class Stages {
  private Stages() {}

  static final String EXACT = "exact_duplicate";
  static final String NEAR = "near_duplicate";

  /** {@code (id, text)} → {@code (id, text, drop)}. */
  static Dataset<Row> apply(Dataset<Row> docs, boolean normalize, QualityFilters filters, boolean exact,
      NearDedup near) {
    Dataset<Row> df = docs;
    if (normalize) {
      df = df.withColumn("text", functions.udf((UDF1<String, String>) QualityCheck::normalize, DataTypes.StringType)
          .apply(col("text")));
    }
    df = df.withColumn("drop", lit(null).cast(DataTypes.StringType));
    if (filters != null) {
      Column failure = functions.udf((UDF1<String, String>) t -> QualityCheck.firstFailure(t, filters),
          DataTypes.StringType).apply(col("text"));
      df = df.withColumn("drop", failure);
    }
    if (exact) {
      Column kept = col("drop").isNull();
      Column rank = row_number().over(Window.partitionBy(kept, sha2(col("text"), 256)).orderBy(col("id")));
      df = df.withColumn("drop", when(kept.and(rank.gt(1)), lit(EXACT)).otherwise(col("drop")));
    }
    if (near != null) {
      Dataset<Row> duplicates = nearDuplicates(df.filter(col("drop").isNull()).select("id", "text"), near)
          .withColumn("near", lit(true));
      df = df.join(duplicates, df.col("id").equalTo(duplicates.col("dup_id")), "left")
          .withColumn("drop", when(col("near").isNotNull(), lit(NEAR)).otherwise(col("drop")))
          .select("id", "text", "drop");
    }
    return df;
  }

  /** Ids {@code dup_id} of documents in a near-duplicate cluster with a smaller id. */
  static Dataset<Row> nearDuplicates(Dataset<Row> docs, NearDedup near) {
    Dataset<Row> hashed = minHashed(docs, near.shingle(), near.features(), false);
    Dataset<Row> edges = similarPairs(hashed, near.hashTables(), near.seed(), near.threshold()).select("a", "b");
    Dataset<Row> labels = components(edges);
    hashed.unpersist();
    return labels.filter(col("label").lt(col("v"))).select(col("v").as("dup_id"));
  }

  /**
   * {@code (id, text)} → {@code (id, features)}, cached: the set of a document's lower-cased word
   * {@code shingle}-grams (split at non-word characters; English stop words removed first with {@code
   * stopWords}) hashed into {@code features} buckets. Documents without a shingle are left out.
   */
  static Dataset<Row> minHashed(Dataset<Row> docs, int shingle, int features, boolean stopWords) {
    Dataset<Row> words = new RegexTokenizer().setInputCol("text").setOutputCol("words").setPattern("\\W+")
        .setToLowercase(true).transform(docs);
    if (stopWords) {
      words = new StopWordsRemover().setInputCol("words").setOutputCol("content").setLocale("en").transform(words)
          .drop("words").withColumnRenamed("content", "words");
    }
    Dataset<Row> shingles = new NGram().setN(shingle).setInputCol("words").setOutputCol("shingles")
        .transform(words).filter(size(col("shingles")).gt(0));
    return new HashingTF().setInputCol("shingles").setOutputCol("features").setNumFeatures(features)
        .setBinary(true).transform(shingles).select("id", "features").cache();
  }

  /**
   * Pairs {@code (a, b, similarity)}, {@code a < b}, of {@link #minHashed} documents whose Jaccard
   * similarity is at least {@code threshold}, found by Spark ML {@code MinHashLSH} with {@code
   * hashTables} tables (may miss a pair, never reports one below the threshold; similarities exact).
   */
  static Dataset<Row> similarPairs(Dataset<Row> features, int hashTables, long seed, double threshold) {
    MinHashLSHModel model = new MinHashLSH().setNumHashTables(hashTables).setSeed(seed)
        .setInputCol("features").setOutputCol("hashes").fit(features);
    Dataset<Row> hashed = model.transform(features);
    // The join keeps distance < its threshold; a tiny margin keeps pairs at exactly the Jaccard threshold.
    double distance = 1 - threshold + 1e-9;
    return model.approxSimilarityJoin(hashed, hashed, distance, "distance")
        .select(col("datasetA.id").as("a"), col("datasetB.id").as("b"), lit(1).minus(col("distance")).as("similarity"))
        .filter(col("a").lt(col("b")))
        .distinct();
  }

  /**
   * Connected components of an undirected graph given as edges {@code (a, b)}: {@code (v, label)}
   * with label the smallest vertex of v's component, by min-label propagation (one round per step
   * of the longest shortest path).
   */
  static Dataset<Row> components(Dataset<Row> edges) {
    Dataset<Row> both = edges.select(col("a").as("src"), col("b").as("dst"))
        .union(edges.select(col("b").as("src"), col("a").as("dst"))).localCheckpoint();
    Dataset<Row> labels = both.groupBy("src").agg(min("dst").as("m"))
        .select(col("src").as("v"), least(col("src"), col("m")).as("label")).localCheckpoint();
    while (true) {
      Dataset<Row> incoming = both.join(labels, both.col("dst").equalTo(labels.col("v")))
          .groupBy(both.col("src")).agg(min(labels.col("label")).as("m"));
      Dataset<Row> next = labels.join(incoming, labels.col("v").equalTo(incoming.col("src")))
          .select(labels.col("v"), least(labels.col("label"), incoming.col("m")).as("label")).localCheckpoint();
      long changed = next.join(labels.withColumnRenamed("label", "old"), "v")
          .filter(col("label").notEqual(col("old"))).count();
      labels = next;
      if (changed == 0) {
        return labels;
      }
    }
  }
}
