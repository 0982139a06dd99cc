package io.cpt4j.merge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.tokenize.ChatMessage;
import io.cpt4j.tokenize.ChatTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chat-vector merge of checkpoints that carry Qwen2.5-0.5B-Instruct's real metadata (random
 * weights, real vocabulary size): the domain chat model takes the instruct model's tokenizer
 * config (chat template), generation config and end-of-sequence ids, so it renders its chat format
 * and stops at {@code <|im_end|>}; the base's files would give neither.
 */
class ChatVectorMetadataTest {
  static final Path INSTRUCT = Path.of("src/test/resources/real-models/qwen2.5-0.5b-instruct");
  static final int END_OF_TEXT = 151643;
  static final int IM_END = 151645;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Checkpoint checkpoint(String name, long seed, boolean instruct) throws Exception {
    ModelConfig c = TestCheckpoints.tinyQwen2().newBuilder().vocabSize(151936).bosTokenId(END_OF_TEXT)
        .eosTokenIds(List.of(instruct ? IM_END : END_OF_TEXT)).build();
    Path dir = tmp.resolve(name);
    Checkpoint ckpt = MergeFixtures.random(dir, c, seed);
    Files.copy(INSTRUCT.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    ObjectNode tokenizerConfig = (ObjectNode) JSON.readTree(INSTRUCT.resolve("tokenizer_config.json").toFile());
    if (instruct) {
      Files.copy(INSTRUCT.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
      Files.copy(INSTRUCT.resolve("generation_config.json"), dir.resolve("generation_config.json"));
    } else { // a base model's: no chat template, <|endoftext|> ends a text
      tokenizerConfig.remove("chat_template");
      tokenizerConfig.put("eos_token", "<|endoftext|>");
      Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfig.toPrettyString());
      Files.writeString(dir.resolve("generation_config.json"),
          "{\"bos_token_id\": 151643, \"eos_token_id\": 151643, \"max_new_tokens\": 2048}");
    }
    return ckpt;
  }

  @Test
  void theChatModelKeepsTheInstructModelsTemplateAndEndOfTurn() throws Exception {
    Path out = tmp.resolve("out");
    try (Checkpoint base = checkpoint("base", 1, false);
        Checkpoint instruct = checkpoint("instruct", 2, true);
        Checkpoint cpt = checkpoint("cpt", 3, false)) {
      Merge.builder(new MergeMethod.ChatVector(), base).model(instruct).onto(cpt).build().writeTo(out);
    }
    assertThat(out.resolve("tokenizer_config.json")).hasSameBinaryContentAs(INSTRUCT.resolve("tokenizer_config.json"));
    assertThat(out.resolve("generation_config.json")).hasSameBinaryContentAs(INSTRUCT.resolve("generation_config.json"));
    JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
    assertThat(config.path("eos_token_id").intValue()).isEqualTo(IM_END);
    assertThat(config.path("bos_token_id").intValue()).isEqualTo(END_OF_TEXT);
    try (Checkpoint merged = Checkpoint.open(out)) {
      assertThat(merged.config().eosTokenIds()).containsExactly(IM_END);
      assertThat(merged.config().vocabSize()).isEqualTo(151936);
    }
    ChatTemplate template = ChatTemplate.of(out).orElseThrow();
    assertThat(template.render(List.of(ChatMessage.user("Hi")), true)).isEqualTo("<|im_start|>system\nYou are Qwen,"
        + " created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        + "<|im_start|>assistant\n");
  }

  @Test
  void aNamedTokenizerSourceWins() throws Exception {
    Path out = tmp.resolve("out");
    try (Checkpoint base = checkpoint("base", 1, false);
        Checkpoint instruct = checkpoint("instruct", 2, true);
        Checkpoint cpt = checkpoint("cpt", 3, false)) {
      Merge.builder(new MergeMethod.ChatVector(), base).model(instruct).onto(cpt).tokenizerFrom(cpt).build().writeTo(out);
    }
    assertThat(JSON.readTree(out.resolve("config.json").toFile()).path("eos_token_id").intValue()).isEqualTo(END_OF_TEXT);
    assertThat(ChatTemplate.of(out)).isEmpty();
  }
}
