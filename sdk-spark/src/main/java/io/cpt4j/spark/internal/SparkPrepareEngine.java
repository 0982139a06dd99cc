package io.cpt4j.spark.internal;

import io.cpt4j.Cpt4jException;
import io.cpt4j.spi.PrepareEngine;
import java.util.List;

/**
 * {@code cpt4j data prepare --engine spark}: registered in {@code META-INF/services}. This class
 * loads without Spark; {@link #prepare} checks for it first and names what to put on the class path.
 */
public final class SparkPrepareEngine implements PrepareEngine {
  static final String SPARK_CLASS = "org.apache.spark.sql.SparkSession";

  @Override
  public String name() {
    return "spark";
  }

  @Override
  public List<String> prepare(Request request) {
    try {
      Class.forName(SPARK_CLASS, false, SparkPrepareEngine.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new Cpt4jException("--engine spark needs Apache Spark 4.2 (spark-sql_2.13 and spark-mllib_2.13 for "
          + "Scala 2.13) on the class path: set SPARK_HOME to a Spark 4.2 installation (the ./cpt4j launcher adds "
          + "$SPARK_HOME/jars), or build sdk-spark (./mvnw -pl sdk-spark -am package) so the launcher adds "
          + "sdk-spark/target/lib; see docs/spark.md");
    }
    return EngineRun.run(request);
  }
}
