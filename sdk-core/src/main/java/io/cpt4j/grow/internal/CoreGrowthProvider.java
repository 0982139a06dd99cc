package io.cpt4j.grow.internal;

import io.cpt4j.grow.GrowthReport;
import io.cpt4j.grow.WidthGrowthReport;
import io.cpt4j.spi.GrowthProvider;
import java.nio.file.Path;

/** {@code sdk-core}'s {@link GrowthProvider}. Stateless. */
public final class CoreGrowthProvider implements GrowthProvider {
  @Override
  public GrowthReport growDepth(Path base, int every, Path output, boolean overwrite) {
    return BlockExpansion.write(base, every, output, overwrite);
  }

  @Override
  public WidthGrowthReport growWidth(Path base, int intermediateSize, long seed, Path output, boolean overwrite) {
    return NeuronSplitting.write(base, intermediateSize, seed, output, overwrite);
  }
}
