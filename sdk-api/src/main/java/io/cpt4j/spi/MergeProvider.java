package io.cpt4j.spi;

import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeConfig;
import io.cpt4j.merge.MergeReport;
import java.nio.file.Path;

/**
 * Service-provider interface behind {@link Merge}. {@code sdk-core} registers the implementation in
 * {@code META-INF/services}; users do not implement it.
 */
public interface MergeProvider {
  /** Runs {@code merge} and writes the result to {@code output}. */
  MergeReport merge(Merge merge, Path output);

  /** Reads a mergekit-style YAML merge configuration and opens its checkpoints ({@link MergeConfig#load}). */
  MergeConfig loadConfig(Path yaml);
}
