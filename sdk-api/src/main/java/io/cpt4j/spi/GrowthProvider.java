package io.cpt4j.spi;

import io.cpt4j.grow.GrowthReport;
import java.nio.file.Path;

/**
 * Service-provider interface behind {@link io.cpt4j.grow}. {@code sdk-core} registers the
 * implementation in {@code META-INF/services}; users do not implement it.
 */
public interface GrowthProvider {
  /** See {@link io.cpt4j.grow.DepthGrowth#writeTo}. */
  GrowthReport growDepth(Path base, int every, Path output, boolean overwrite);
}
