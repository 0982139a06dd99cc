package io.cpt4j.spi;

import io.cpt4j.tokenize.BpeTrainer;
import io.cpt4j.tokenize.ChatTemplate;
import io.cpt4j.tokenize.Tokenizer;
import io.cpt4j.tokenize.TrainedTokenizer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Service-provider interface behind {@link Tokenizer#open}, {@link ChatTemplate#of}, {@link
 * BpeTrainer#train} and {@link BpeTrainer#fromMerges}. {@code sdk-core} registers the implementation in {@code META-INF/services};
 * users do not implement it. Kept apart from {@link FormatProvider} so that checkpoints reach
 * tokenizers only through this interface (the checkpoint and tokenizer implementations do not
 * depend on each other).
 */
public interface TokenizerProvider {
  Tokenizer openTokenizer(Path tokenizerJson);

  Optional<ChatTemplate> chatTemplate(Path modelDir);

  TrainedTokenizer trainBpe(BpeTrainer options, Iterable<String> texts, Path tokenizerJson);

  TrainedTokenizer writeBpe(BpeTrainer options, java.util.List<java.util.List<String>> merges, Path tokenizerJson);
}
