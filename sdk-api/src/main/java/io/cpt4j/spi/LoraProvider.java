package io.cpt4j.spi;

import io.cpt4j.lora.ApplicationReport;
import io.cpt4j.lora.ExtractionReport;
import io.cpt4j.lora.LoraAdapter;
import io.cpt4j.lora.LoraApplication;
import io.cpt4j.lora.LoraExtraction;
import java.nio.file.Path;

/**
 * Service-provider interface behind {@link io.cpt4j.lora}. {@code sdk-core} registers the
 * implementation in {@code META-INF/services}; users do not implement it.
 */
public interface LoraProvider {
  /** See {@link LoraExtraction#writeTo}. */
  ExtractionReport extract(LoraExtraction extraction, Path output);

  /** See {@link LoraAdapter#read}. */
  LoraAdapter readAdapter(Path directory);

  /** See {@link LoraApplication#writeTo}. */
  ApplicationReport apply(LoraApplication application, Path output);
}
