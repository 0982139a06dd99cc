package io.cpt4j.spark.internal;

import io.cpt4j.spark.InContextOrder;
import io.cpt4j.spark.NearDedup;
import io.cpt4j.spark.PrepareReport;
import io.cpt4j.spark.QualityFilters;
import io.cpt4j.spark.SparkPrepare;
import io.cpt4j.spi.PrepareEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** Runs a {@link PrepareEngine.Request} on one Spark session (kept apart so the engine loads without Spark). */
final class EngineRun {
  private EngineRun() {}

  static List<String> run(PrepareEngine.Request request) {
    SparkSession spark = SparkRunner.session(request.master(), 4);
    List<String> stats = new ArrayList<>();
    try {
      for (PrepareEngine.Target t : request.targets()) {
        SparkPrepare job = SparkPrepare.of(t.source()).tokenizer(request.tokenizerJson()).output(t.directory())
            .normalize(request.normalize()).exactDedup(request.exactDedup())
            .qualityFilters(request.qualityFilters() ? QualityFilters.gopher() : null)
            .nearDedup(request.nearDedupThreshold() > 0 ? NearDedup.jaccard(request.nearDedupThreshold()) : null)
            .inContextOrder(request.inContextNeighbours() > 0 ? InContextOrder.minHash(request.inContextNeighbours())
                : null)
            .build();
        PrepareReport report = job.run(spark);
        stats.add(Files.readString(report.directory().resolve(Stats.FILE)));
      }
      return stats;
    } catch (IOException e) {
      throw new io.cpt4j.data.DataException("cannot read back stats.json: " + e.getMessage(), e);
    } finally {
      if (request.master() != null) {
        spark.stop();
      }
    }
  }
}
