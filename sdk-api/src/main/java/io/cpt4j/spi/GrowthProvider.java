package io.cpt4j.spi;

import io.cpt4j.grow.GrowthReport;
import io.cpt4j.grow.WidthGrowthReport;
import java.nio.file.Path;

/**
 * Service-provider interface behind {@link io.cpt4j.grow}. {@code sdk-core} registers the
 * implementation in {@code META-INF/services}; users do not implement it.
 */
public interface GrowthProvider {
  /** See {@link io.cpt4j.grow.DepthGrowth#writeTo}. */
  GrowthReport growDepth(Path base, int every, Path output, boolean overwrite);

  /** See {@link io.cpt4j.grow.WidthGrowth#writeTo}. */
  WidthGrowthReport growWidth(Path base, int intermediateSize, long seed, Path output, boolean overwrite);
}
