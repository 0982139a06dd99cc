package io.cpt4j.spi;

import io.cpt4j.vocab.VocabularyExtension;
import io.cpt4j.vocab.VocabularyReport;
import java.nio.file.Path;

/**
 * Service-provider interface behind {@link io.cpt4j.vocab}. {@code sdk-core} registers the
 * implementation in {@code META-INF/services}; users do not implement it.
 */
public interface VocabularyProvider {
  /** See {@link VocabularyExtension#writeTo}. */
  VocabularyReport extend(VocabularyExtension options, Path output);
}
