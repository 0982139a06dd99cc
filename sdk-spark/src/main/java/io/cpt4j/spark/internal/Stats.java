package io.cpt4j.spark.internal;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.sum;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.spark.PrepareReport;
import io.cpt4j.spark.QualityFilters;
import io.cpt4j.spark.SparkPrepare.Settings;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The counts behind {@link PrepareReport} and its {@code stats.json} form. */
final class Stats {
  private Stats() {}

  static final String FILE = "stats.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Documents and tokens per drop reason of a tokenized frame; the null key counts the kept ones. */
  static Map<String, PrepareReport.Count> counts(Dataset<Row> tokenized) {
    Map<String, PrepareReport.Count> out = new HashMap<>();
    for (Row r : tokenized.groupBy(col("drop")).agg(count("*"), sum("n")).collectAsList()) {
      out.put(r.getString(0), new PrepareReport.Count(r.getLong(1), r.isNullAt(2) ? 0 : r.getLong(2)));
    }
    return out;
  }

  /** The reasons in stage order: quality rules, exact, near. */
  static Map<String, PrepareReport.Count> inStageOrder(Map<String, PrepareReport.Count> dropped) {
    Map<String, PrepareReport.Count> out = new LinkedHashMap<>();
    for (String reason : reasons()) {
      if (dropped.containsKey(reason)) {
        out.put(reason, dropped.get(reason));
      }
    }
    return out;
  }

  private static List<String> reasons() {
    List<String> all = new java.util.ArrayList<>(List.of(QualityFilters.RULES));
    all.add(Stages.EXACT);
    all.add(Stages.NEAR);
    return all;
  }

  private static String stage(String reason) {
    return switch (reason) {
      case Stages.EXACT -> "exact_dedup";
      case Stages.NEAR -> "near_dedup";
      default -> "quality_filters";
    };
  }

  /**
   * {@code stats.json}: settings, documents read, kept, dropped per stage and reason, and with the
   * In-Context stage its path (documents, neighbour edges, jumps, mean similarity along edges).
   */
  static String json(PrepareReport r, Settings s, InContextStage.Result inContext) {
    ObjectNode root = JSON.createObjectNode();
    root.put("engine", "spark");
    root.put("source", r.source());
    ObjectNode stages = root.putObject("stages");
    stages.put("normalize", s.normalize());
    stages.set("quality_filters", s.filters() == null ? null : JSON.valueToTree(s.filters()));
    stages.put("exact_dedup", s.exactDedup());
    stages.set("near_dedup", s.nearDedup() == null ? null : JSON.valueToTree(s.nearDedup()));
    stages.set("in_context_order", s.inContext() == null ? null : JSON.valueToTree(s.inContext()));
    root.put("read", r.read());
    root.put("invalid_utf8_replaced", r.invalidUtf8());
    ObjectNode kept = root.putObject("kept");
    kept.put("documents", r.keptDocuments());
    kept.put("tokens", r.keptTokens());
    kept.put("shards", r.shards());
    ObjectNode dropped = root.putObject("dropped");
    r.dropped().forEach((reason, c) -> {
      ObjectNode node = dropped.has(stage(reason)) ? (ObjectNode) dropped.get(stage(reason))
          : dropped.putObject(stage(reason));
      ObjectNode n = node.putObject(reason);
      n.put("documents", c.documents());
      n.put("tokens", c.tokens());
    });
    if (inContext != null) {
      ObjectNode order = root.putObject("in_context_order");
      order.put("documents", inContext.documents());
      order.put("edges", inContext.edges());
      order.put("jumps", inContext.jumps());
      order.put("mean_similarity", inContext.meanSimilarity());
    }
    root.put("seconds", r.seconds());
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
