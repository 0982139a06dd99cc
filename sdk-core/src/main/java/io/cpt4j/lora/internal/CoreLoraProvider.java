package io.cpt4j.lora.internal;

import io.cpt4j.lora.ApplicationReport;
import io.cpt4j.lora.ExtractionReport;
import io.cpt4j.lora.LoraAdapter;
import io.cpt4j.lora.LoraApplication;
import io.cpt4j.lora.LoraExtraction;
import io.cpt4j.spi.LoraProvider;
import java.nio.file.Path;

/** {@code sdk-core}'s {@link LoraProvider}. Stateless. */
public final class CoreLoraProvider implements LoraProvider {
  @Override
  public ExtractionReport extract(LoraExtraction extraction, Path output) {
    return LoraExtractor.extract(extraction, output);
  }

  @Override
  public LoraAdapter readAdapter(Path directory) {
    return PeftAdapterFiles.read(directory);
  }

  @Override
  public ApplicationReport apply(LoraApplication application, Path output) {
    return LoraApplier.apply(application, output);
  }
}
