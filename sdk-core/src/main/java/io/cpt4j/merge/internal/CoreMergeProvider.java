package io.cpt4j.merge.internal;

import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeConfig;
import io.cpt4j.merge.MergeReport;
import io.cpt4j.spi.MergeProvider;
import java.nio.file.Path;

/** The merge engine behind {@link Merge#writeTo} (registered in META-INF/services). */
public final class CoreMergeProvider implements MergeProvider {
  private final MergeEngine engine = new MergeEngine();

  @Override
  public MergeReport merge(Merge merge, Path output) {
    return engine.run(merge, output);
  }

  @Override
  public MergeConfig loadConfig(Path yaml) {
    return MergeConfigCodec.load(yaml);
  }
}
