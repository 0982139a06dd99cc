package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TestCheckpoints;
import io.cpt4j.tokenize.ChatMessage;
import io.cpt4j.tokenize.ChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mergekit's {@code chat_template} ("auto", "chatml", inline Jinja) and {@code tokenizer: {source:
 * ...}} keys: the output's template and tokenizer files are the ones named.
 */
class MergeChatTemplateConfigTest {
  @TempDir Path dir;
  final ModelConfig config = TestCheckpoints.tinyLlama();
  static final String ZEPHYR = "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}</s>\n{% endfor %}"
      + "{% if add_generation_prompt %}<|assistant|>\n{% endif %}";

  @BeforeEach
  void checkpoints() throws IOException {
    for (String name : List.of("base", "a", "b")) {
      random(dir.resolve("models/" + name), config, name.hashCode()).close();
    }
    for (String name : List.of("a", "b")) { // the two fine-tunes share a template; the base has none
      Files.writeString(dir.resolve("models/" + name + "/tokenizer_config.json"),
          "{\"chat_template\": " + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(ZEPHYR) + "}");
    }
  }

  private Path merge(String extra) throws IOException {
    Path file = Files.writeString(dir.resolve("merge.yaml"), """
        merge_method: task_arithmetic
        base_model: models/base
        parameters: {weight: 0.5}
        models:
          - model: models/a
          - model: models/b
        """ + extra);
    Path out = dir.resolve("out");
    try (MergeConfig c = MergeConfig.load(file)) {
      c.writeTo(out, true);
    }
    return out;
  }

  private static String render(Path model) {
    return ChatTemplate.of(model).orElseThrow().render(List.of(ChatMessage.user("hi")), true);
  }

  @Test
  void autoTakesTheTemplateMostInputsShare() throws IOException {
    Path out = merge("chat_template: auto\n");
    assertThat(out.resolve("chat_template.jinja")).hasContent(ZEPHYR);
    assertThat(render(out)).isEqualTo("<|user|>\nhi</s>\n<|assistant|>\n");
  }

  @Test
  void chatmlAndInlineTemplatesAreWritten() throws IOException {
    // a tokenizer with ChatML's turn tokens (the real Qwen2.5 one) in the base, whose files the output takes
    Files.copy(Path.of("src/test/resources/real-models/qwen2.5-0.5b-instruct/tokenizer.json"),
        dir.resolve("models/base/tokenizer.json"));
    assertThat(render(merge("chat_template: chatml\n"))).isEqualTo("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
    assertThat(render(merge("chat_template: \"{{ messages[0]['content'] }}!\"\n"))).isEqualTo("hi!");
  }

  @Test
  void withoutTheKeyTheTemplateFollowsTheTokenizerSource() throws IOException {
    Path out = merge("tokenizer:\n  source: models/a\n");
    assertThat(out.resolve("chat_template.jinja")).doesNotExist();
    assertThat(render(out)).isEqualTo("<|user|>\nhi</s>\n<|assistant|>\n");
    assertThat(ChatTemplate.of(merge(""))).as("the base's files: no template").isEmpty();
  }

  @Test
  void whatCannotBeHonouredIsRefusedWithItsKey() {
    io.cpt4j.tokenize.BpeTrainer.vocabSize(300).train(List.of("hello world"), dir.resolve("models/base/tokenizer.json"));
    assertThatThrownBy(() -> merge("chat_template: chatml\n")).isInstanceOf(MergeException.class)
        .hasMessageContaining("chat_template").hasMessageContaining("<|im_start|>");
    assertThatThrownBy(() -> merge("chat_template: alpaca\n")).isInstanceOf(MergeException.class)
        .hasMessageContaining("chat_template").hasMessageContaining("alpaca");
    assertThatThrownBy(() -> merge("tokenizer:\n  source: models/a\n  tokens: {x: {source: models/c}}\n"))
        .isInstanceOf(MergeException.class).hasMessageContaining("tokenizer.tokens.x.source: 'models/c' is not");
    assertThatThrownBy(() -> merge("tokenizer: {source: base}\ntokenizer_source: base\n"))
        .isInstanceOf(MergeException.class).hasMessageContaining("mutually exclusive");
  }

  @Test
  void autoWithoutAnyTemplateIsAnError() throws IOException {
    for (String name : List.of("a", "b")) {
      Files.delete(dir.resolve("models/" + name + "/tokenizer_config.json"));
    }
    assertThatThrownBy(() -> merge("chat_template: auto\n")).isInstanceOf(MergeException.class)
        .hasMessageContaining("no chat template");
  }
}
