package io.cpt4j.vocab.internal;

import io.cpt4j.spi.VocabularyProvider;
import io.cpt4j.vocab.VocabularyExtension;
import io.cpt4j.vocab.VocabularyReport;
import java.nio.file.Path;

/** {@code sdk-core}'s {@link VocabularyProvider}. Stateless. */
public final class CoreVocabularyProvider implements VocabularyProvider {
  @Override
  public VocabularyReport extend(VocabularyExtension options, Path output) {
    return VocabularyExtender.extend(options, output);
  }
}
