package io.cpt4j.vocab;

import io.cpt4j.backend.TestSessions;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Small random checkpoints carrying the real tokenizers of src/test/resources/real-models. */
final class VocabFixtures {
  private VocabFixtures() {}

  static final Path MODELS = Path.of("src/test/resources/real-models");
  static final Path GOLDEN = Path.of("src/test/resources/vocab-golden");

  /** Qwen2.5's byte-level tokenizer (151,665 ids) on a tied Llama of 151,936 rows. */
  static ModelConfig qwen() {
    return ModelConfig.builder(Architecture.LLAMA).vocabSize(151_936).hiddenSize(16).intermediateSize(32)
        .numLayers(1).numHeads(2).numKvHeads(1).maxPositionEmbeddings(64).tieWordEmbeddings(true).build();
  }

  /** Mistral's SentencePiece-style tokenizer (32,000 ids) on an untied Llama of 32,000 rows. */
  static ModelConfig mistral() {
    return ModelConfig.builder(Architecture.LLAMA).vocabSize(32_000).hiddenSize(16).intermediateSize(32)
        .numLayers(1).numHeads(2).maxPositionEmbeddings(64).tieWordEmbeddings(false).build();
  }

  /** A random checkpoint of {@code config} in {@code dir} with the tokenizer files of {@code model}. */
  static Path base(Path dir, ModelConfig config, String model) {
    TestSessions.tinyCheckpoint(dir, config, 7).close();
    try {
      for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
        Files.copy(MODELS.resolve(model).resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }
}
