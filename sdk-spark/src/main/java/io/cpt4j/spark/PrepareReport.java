package io.cpt4j.spark;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a {@link SparkPrepare} run read, kept and dropped. Immutable.
 *
 * @param source the source's name
 * @param directory the token dataset written
 * @param read documents read (after the split side, before any stage)
 * @param invalidUtf8 malformed UTF-8 sequences replaced by U+FFFD while reading
 * @param keptDocuments documents in the shards
 * @param keptTokens tokens in the shards
 * @param dropped per reason ({@code exact_duplicate}, {@code near_duplicate} or a {@link
 *     QualityFilters#RULES rule}), in stage order: documents and their tokens
 * @param shards shard files written
 * @param seconds wall time of the job
 */
public record PrepareReport(String source, Path directory, long read, long invalidUtf8, long keptDocuments,
    long keptTokens, Map<String, Count> dropped, int shards, double seconds) {

  /** Documents and tokens. */
  public record Count(long documents, long tokens) {}

  public PrepareReport {
    dropped = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(dropped));
  }
}
