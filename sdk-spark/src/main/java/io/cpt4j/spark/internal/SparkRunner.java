package io.cpt4j.spark.internal;

import io.cpt4j.spark.PrepareReport;
import io.cpt4j.spark.SparkPrepare;
import org.apache.spark.sql.SparkSession;

/** The {@link SparkPrepare.Runner} this module registers: the job and the spark-submit entry point. */
public final class SparkRunner implements SparkPrepare.Runner {
  @Override
  public PrepareReport run(SparkSession spark, SparkPrepare.Settings settings) {
    return PrepareJob.run(spark, settings);
  }

  @Override
  public int main(String[] args) {
    return SubmitArgs.main(args);
  }

  /**
   * The session for {@code master} (null: the one spark-submit configured, else {@code local[*]}),
   * without the web UI, with {@code shuffle} shuffle partitions unless configured.
   */
  static SparkSession session(String master, int shuffle) {
    SparkSession.Builder b = SparkSession.builder().appName("cpt4j prepare").config("spark.ui.enabled", "false");
    if (master != null) {
      b.master(master);
    } else if (System.getProperty("spark.master") == null) {
      b.master("local[*]");
    }
    if (System.getProperty("spark.sql.shuffle.partitions") == null) {
      b.config("spark.sql.shuffle.partitions", String.valueOf(shuffle));
    }
    return b.getOrCreate();
  }
}
