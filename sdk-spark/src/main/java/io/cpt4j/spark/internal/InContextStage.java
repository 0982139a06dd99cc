package io.cpt4j.spark.internal;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import io.cpt4j.spark.InContextOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The In-Context Pretraining stage ({@link InContextOrder}): the k-nearest-neighbour graph of the kept
 * documents is built on the cluster ({@link Stages#minHashed}, {@link Stages#similarPairs}, then each
 * document's {@code k} most similar, ties by the smaller id); the graph (ids and at most {@code kn}
 * directed edges) is collected and walked on the driver ({@link GreedyPath}), on the order of 100
 * bytes of driver memory per edge.
 */
final class InContextStage {
  private InContextStage() {}

  static final StructType POSITIONS = new StructType()
      .add("id", DataTypes.LongType, false)
      .add("pos", DataTypes.LongType, false);

  /**
   * Where each document goes.
   *
   * @param positions {@code (id, pos)}: the kept document {@code id} is written {@code pos}-th
   * @param edges undirected neighbour edges the path could use
   * @param jumps times the path had no unvisited neighbour and jumped
   * @param meanSimilarity mean Jaccard similarity of consecutive documents along edges (jumps excluded)
   */
  record Result(Dataset<Row> positions, long documents, long edges, long jumps, double meanSimilarity) {}

  /** Orders the documents of {@code kept}, a frame {@code (id, text)}. */
  static Result order(SparkSession spark, Dataset<Row> kept, InContextOrder o) {
    long[] ids = kept.select("id").as(Encoders.LONG()).collectAsList().stream().mapToLong(Long::longValue)
        .sorted().toArray();
    Dataset<Row> hashed = Stages.minHashed(kept, o.shingle(), o.features(), true);
    Dataset<Row> pairs = Stages.similarPairs(hashed, o.hashTables(), o.seed(), o.minSimilarity());
    Dataset<Row> directed = pairs.select(col("a").as("src"), col("b").as("dst"), col("similarity"))
        .union(pairs.select(col("b").as("src"), col("a").as("dst"), col("similarity")));
    List<Row> nearest = directed
        .withColumn("r", row_number().over(Window.partitionBy("src").orderBy(col("similarity").desc(), col("dst"))))
        .filter(col("r").leq(o.neighbours())).select("src", "dst", "similarity").collectAsList();
    hashed.unpersist();

    int n = ids.length;
    int[] a = new int[nearest.size()];
    int[] b = new int[a.length];
    double[] similarity = new double[a.length];
    for (int e = 0; e < a.length; e++) {
      Row r = nearest.get(e);
      a[e] = Arrays.binarySearch(ids, r.getLong(0));
      b[e] = Arrays.binarySearch(ids, r.getLong(1));
      similarity[e] = r.getDouble(2);
    }
    GreedyPath.Path path = GreedyPath.of(n, a, b, similarity);
    List<Row> positions = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      positions.add(RowFactory.create(ids[path.order()[k]], (long) k));
    }
    return new Result(spark.createDataFrame(positions, POSITIONS), n, distinctEdges(a, b), path.jumps(),
        path.meanSimilarity());
  }

  private static long distinctEdges(int[] a, int[] b) {
    return java.util.stream.IntStream.range(0, a.length)
        .mapToLong(e -> (long) Math.min(a[e], b[e]) << 32 | Math.max(a[e], b[e])).distinct().count();
  }
}
