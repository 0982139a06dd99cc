package io.cpt4j.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Tokenizer#endOfDocumentId(Path)}, the one end-of-document lookup of training and {@code
 * cpt4j data prepare}, on Qwen2.5-0.5B-Instruct's files as Qwen ships them: config.json declares
 * {@code <|im_end|>} (151645), generation_config.json {@code [151645, 151643]}, and the tokenizer's
 * usual end-of-document token is {@code <|endoftext|>} (151643).
 */
class EndOfDocumentTest {
  private static final Path QWEN = Path.of("src/test/resources/real-models/qwen2.5-0.5b-instruct");
  @TempDir Path tmp;

  @Test
  void configThenGenerationConfigThenTheTokenizersUsualToken() throws IOException {
    Files.copy(QWEN.resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
    try (Tokenizer t = Tokenizer.open(tmp.resolve("tokenizer.json"))) {
      assertThat(t.endOfDocumentId(tmp)).hasValue(151643); // neither file: the tokenizer's <|endoftext|>
      Files.writeString(tmp.resolve("generation_config.json"), "{\"eos_token_id\": [151644, 151643]}");
      assertThat(t.endOfDocumentId(tmp)).hasValue(151644); // the first of generation_config's list
      Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"qwen2\", \"eos_token_id\": null}");
      assertThat(t.endOfDocumentId(tmp)).hasValue(151644); // config.json declares none
      Files.copy(QWEN.resolve("config.json"), tmp.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(t.endOfDocumentId(tmp)).hasValue(151645); // config.json's <|im_end|>
    }
  }

  @Test
  void aMalformedDeclarationNamesTheFile() throws IOException {
    Files.copy(QWEN.resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
    Files.writeString(tmp.resolve("config.json"), "{\"eos_token_id\": \"</s>\"}");
    try (Tokenizer t = Tokenizer.open(tmp.resolve("tokenizer.json"))) {
      assertThatThrownBy(() -> t.endOfDocumentId(tmp)).isInstanceOf(ConfigException.class)
          .hasMessageContaining("config.json").hasMessageContaining("eos_token_id must be an integer");
      Files.writeString(tmp.resolve("config.json"), "{not json");
      assertThatThrownBy(() -> t.endOfDocumentId(tmp)).isInstanceOf(ConfigException.class)
          .hasMessageContaining("config.json").hasMessageContaining("not valid JSON");
    }
  }
}
