package io.cpt4j.tokenize.internal;

import io.cpt4j.spi.TokenizerProvider;
import io.cpt4j.tokenize.BpeTrainer;
import io.cpt4j.tokenize.ChatTemplate;
import io.cpt4j.tokenize.Tokenizer;
import io.cpt4j.tokenize.TrainedTokenizer;
import java.nio.file.Path;
import java.util.Optional;

/** The sdk-core implementation of the tokenizer SPI (registered in META-INF/services). */
public final class CoreTokenizerProvider implements TokenizerProvider {

  @Override
  public Tokenizer openTokenizer(Path tokenizerJson) {
    return HfTokenizer.open(tokenizerJson);
  }

  @Override
  public Optional<ChatTemplate> chatTemplate(Path modelDir) {
    return JinjaChatTemplate.load(modelDir).map(JinjaChatTemplates::of);
  }

  @Override
  public TrainedTokenizer trainBpe(BpeTrainer options, Iterable<String> texts, Path tokenizerJson) {
    return ByteLevelBpeTrainer.train(options, texts, tokenizerJson);
  }

  @Override
  public TrainedTokenizer writeBpe(BpeTrainer options, java.util.List<java.util.List<String>> merges, Path tokenizerJson) {
    return ByteLevelBpeFile.fromMerges(options, merges, tokenizerJson);
  }
}
