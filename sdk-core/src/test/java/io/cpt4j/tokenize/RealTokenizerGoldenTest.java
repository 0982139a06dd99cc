package io.cpt4j.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real tokenizers as their authors ship them (test resources {@code real-models/}, with {@code
 * tokenizer_config.json} beside {@code tokenizer.json}) encode exactly as transformers 5.18's {@code
 * tokenizer(text)} with and without special tokens: the golden ids {@code golden_tokens.py} stored.
 */
class RealTokenizerGoldenTest {
  static final Path MODELS = Path.of("src/test/resources/real-models");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** One open tokenizer per model (Qwen's tokenizer.json is 11 MB: opening it takes about a second). */
  private static final java.util.Map<String, Tokenizer> OPEN = new java.util.concurrent.ConcurrentHashMap<>();

  private static Tokenizer tokenizer(String model) {
    return OPEN.computeIfAbsent(model, m -> Tokenizer.open(MODELS.resolve(m).resolve("tokenizer.json")));
  }

  @org.junit.jupiter.api.AfterAll
  static void closeTokenizers() {
    OPEN.values().forEach(Tokenizer::close);
    OPEN.clear();
  }

  static Stream<Arguments> texts() throws IOException {
    List<Arguments> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(MODELS)) {
      for (Path dir : dirs.sorted().toList()) {
        Path golden = dir.resolve("golden.json");
        if (!Files.isRegularFile(golden)) {
          continue;
        }
        for (JsonNode t : JSON.readTree(golden.toFile()).path("texts")) {
          out.add(Arguments.of(dir.getFileName().toString(), t.path("case").asText(), t));
        }
      }
    }
    assertThat(out).as("golden texts").hasSizeGreaterThan(10);
    return out.stream();
  }

  private static int[] ints(JsonNode array) {
    int[] v = new int[array.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = array.get(i).intValue();
    }
    return v;
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("texts")
  void encodesLikeTransformers(String model, String kind, JsonNode golden) {
    Tokenizer t = tokenizer(model);
    String text = golden.path("text").asText();
    assertThat(t.encode(text, true)).as("tokenizer(text)").containsExactly(ints(golden.path("ids")));
    assertThat(t.encode(text, false)).as("add_special_tokens=False").containsExactly(ints(golden.path("ids_no_special")));
    assertThat(t.encode(text)).containsExactly(ints(golden.path("ids_no_special")));
  }

  static Stream<Arguments> chats() throws IOException {
    List<Arguments> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(MODELS)) {
      for (Path dir : dirs.sorted().toList()) {
        Path golden = dir.resolve("golden.json");
        if (Files.isRegularFile(golden)) {
          for (JsonNode c : JSON.readTree(golden.toFile()).path("chat")) {
            out.add(Arguments.of(dir.getFileName().toString(), c.path("case").asText()
                + (c.path("add_generation_prompt").asBoolean() ? " + generation prompt" : ""), c));
          }
        }
      }
    }
    assertThat(out).as("golden chats").hasSizeGreaterThanOrEqualTo(8);
    return out.stream();
  }

  /** The chat prompt's ids equal {@code apply_chat_template(messages, add_generation_prompt=..., tokenize=True)}. */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("chats")
  void chatPromptsEncodeLikeApplyChatTemplate(String model, String kind, JsonNode golden) {
    Path dir = MODELS.resolve(model);
    List<ChatMessage> messages = new ArrayList<>();
    for (JsonNode m : golden.path("messages")) {
      messages.add(new ChatMessage(m.path("role").asText(), m.path("content").asText()));
    }
    boolean generationPrompt = golden.path("add_generation_prompt").asBoolean();
    ChatTemplate template = ChatTemplate.of(dir).orElseThrow();
    Tokenizer t = tokenizer(model);
    assertThat(template.render(messages, generationPrompt)).isEqualTo(golden.path("text").asText());
    assertThat(template.encode(t, messages, generationPrompt)).containsExactly(ints(golden.path("ids")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void theSpecialPrefixIsTheModelsBos(String model, List<Integer> prefix) {
    Tokenizer t = tokenizer(model);
    assertThat(t.specialPrefix()).isEqualTo(prefix);
    assertThat(t.specialSuffix()).isEmpty();
  }

  /**
   * transformers 5.18 drops tokenizer_config.json's add_bos_token / add_eos_token when it loads a
   * tokenizer.json: Mistral's post-processor still puts {@code <s>} first with the flags flipped.
   */
  @org.junit.jupiter.api.Test
  void tokenizerConfigFlagsDoNotOverrideThePostProcessor(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws IOException {
    Path dir = MODELS.resolve("mistral-7b-v0.1");
    Files.copy(dir.resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
    Files.writeString(tmp.resolve("tokenizer_config.json"),
        "{\"add_bos_token\": false, \"add_eos_token\": true, \"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}");
    try (Tokenizer t = Tokenizer.open(tmp.resolve("tokenizer.json"))) {
      assertThat(t.specialPrefix()).containsExactly(1);
      assertThat(t.specialSuffix()).isEmpty();
      assertThat(t.encode("Hello", true)).startsWith(1).doesNotContain(2);
    }
  }

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of("mistral-7b-v0.1", List.of(1)), // <s>: its TemplateProcessing post-processor
        Arguments.of("qwen2.5-0.5b-instruct", List.of()), // a ByteLevel post-processor adds nothing
        Arguments.of("qwen3-0.6b", List.of()));
  }
}
