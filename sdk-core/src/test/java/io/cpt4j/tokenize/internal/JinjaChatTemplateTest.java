package io.cpt4j.tokenize.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.tokenize.ChatMessage;
import io.cpt4j.tokenize.ChatTemplateException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Chat templates render exactly as transformers renders them with Python Jinja2: every case in
 * {@code chat-templates/expected.json} (written by {@code make_expected.py} with Jinja2 set up as
 * transformers sets it up) and, where the real-model resources hold chat cases, the text
 * transformers' {@code apply_chat_template(..., tokenize=False)} produced for real templates.
 */
class JinjaChatTemplateTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<Map<String, Object>>> MESSAGES = new TypeReference<>() {};
  private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};
  private static final Path REAL_MODELS = Path.of("src/test/resources/real-models");
  /** make_expected.py's FIXED_NOW, a naive 2024-07-03 14:05:09. */
  private static final Clock FIXED_NOW = Clock.fixed(Instant.parse("2024-07-03T14:05:09Z"), ZoneOffset.UTC);

  private static JsonNode expected() {
    try (InputStream in = JinjaChatTemplateTest.class.getResourceAsStream("/chat-templates/expected.json")) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<Arguments> jinja2Cases() {
    JsonNode doc = expected();
    List<Arguments> cases = new ArrayList<>();
    doc.path("cases").forEach(c -> cases.add(Arguments.of(c.path("name").asText(),
        doc.path("templates").path(c.path("template").asText()).asText(), c)));
    assertThat(cases).hasSizeGreaterThan(20);
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jinja2Cases")
  void rendersAsPythonJinja2(String name, String source, JsonNode c) {
    Map<String, String> tokens = JSON.convertValue(c.path("special_tokens"), new TypeReference<>() {});
    JinjaChatTemplate template = JinjaChatTemplate.of(source, "expected.json template " + name, tokens)
        .withClock(FIXED_NOW);
    List<Map<String, Object>> messages = JSON.convertValue(c.path("messages"), MESSAGES);
    Map<String, Object> extra = JSON.convertValue(c.path("extra"), OBJECT);
    boolean prompt = c.path("add_generation_prompt").asBoolean();
    if (c.has("error")) {
      assertThatThrownBy(() -> template.render(messages, prompt, extra))
          .isInstanceOf(ChatTemplateException.class)
          .hasMessageContaining("expected.json template " + name)
          .hasMessageEndingWith(": " + c.path("error").asText());
    } else {
      assertThat(template.render(messages, prompt, extra)).isEqualTo(c.path("expected").asText());
    }
  }

  @Test
  void chatMessagesRenderLikeTheirMaps() {
    JsonNode doc = expected();
    JinjaChatTemplate chatml = JinjaChatTemplate.of(doc.path("templates").path("chatml").asText(), "chatml", Map.of());
    String text = chatml.render(List.of(ChatMessage.system("You are terse."), ChatMessage.user("Hello, how are you?")),
        false);
    assertThat(text).isEqualTo(caseNamed(doc, "chatml-system").path("expected").asText());
    assertThat(chatml.render(List.of(ChatMessage.user("hi")), true))
        .isEqualTo("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
            + "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
  }

  private static JsonNode caseNamed(JsonNode doc, String name) {
    for (JsonNode c : doc.path("cases")) {
      if (c.path("name").asText().equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException(name);
  }

  @Test
  void raiseExceptionBecomesChatTemplateExceptionWithTheTemplatesWords() {
    JinjaChatTemplate t = JinjaChatTemplate.of("line one\n{{ raise_exception('roles must alternate') }}", "t.jinja",
        Map.of());
    assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("x")), false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("chat template t.jinja rejected the conversation at line 2: roles must alternate");
  }

  @Test
  void errorLinesAreThoseOfTheOriginalTextAfterWhitespaceControl() {
    String source = "{% if true %}\n  {# a comment\n over two lines #}\n{%- if true -%}\n\n{% endif %}\n"
        + "{% set x = 1 %}\n{{ raise_exception('on line eight') }}\n{% endif %}\n";
    JinjaChatTemplate t = JinjaChatTemplate.of(source, "lines.jinja", Map.of());
    assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("x")), false))
        .hasMessage("chat template lines.jinja rejected the conversation at line 8: on line eight");
  }

  @Test
  void syntaxErrorsAndUnknownFunctionsNameTheTemplateAndLine() {
    JinjaChatTemplate broken = JinjaChatTemplate.of("ok\n{% if messages %}unclosed", "bad.jinja", Map.of());
    assertThatThrownBy(() -> broken.render(List.of(ChatMessage.user("x")), false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageStartingWith("chat template bad.jinja failed");
    JinjaChatTemplate unknown = JinjaChatTemplate.of("a\nb\n{{ no_such_function(1) }}", "fn.jinja", Map.of());
    assertThatThrownBy(() -> unknown.render(List.of(ChatMessage.user("x")), false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("fn.jinja failed at line 3")
        .hasMessageContaining("no_such_function");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{% for m in messages %}{{ loop.previtem }}{% endfor %}", "{{ '-' * 3 }}",
      "{{ 1 < 2 < 3 }}", "{% for x in [1] recursive %}{{ x }}{% endfor %}", "{{ '{:>4}'.format(1) }}"})
  void whatJinjavaCannotDoFailsInsteadOfRenderingWrongText(String source) {
    JinjaChatTemplate t = JinjaChatTemplate.of(source, "unsupported", Map.of());
    assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("x"), ChatMessage.user("y")), false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageStartingWith("chat template unsupported failed at line 1: ");
  }

  @Test
  void rendersFromSeveralThreadsAtOnce() throws Exception {
    JsonNode doc = expected();
    JsonNode c = caseNamed(doc, "tools");
    JinjaChatTemplate t = JinjaChatTemplate.of(doc.path("templates").path("tools").asText(), "tools", Map.of());
    List<Map<String, Object>> messages = JSON.convertValue(c.path("messages"), MESSAGES);
    Map<String, Object> extra = JSON.convertValue(c.path("extra"), OBJECT);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        results.add(pool.submit(() -> t.render(messages, true, extra)));
      }
      for (Future<String> f : results) {
        assertThat(f.get()).isEqualTo(c.path("expected").asText());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- loading from a model directory -------------------------------------------------------

  @Test
  void loadsTheConfigTemplateAndSpecialTokensIncludingAddedTokenObjects(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer_config.json"), """
        {"chat_template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}",
         "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
         "eos_token": "</s>", "unk_token": null, "image_token": "<img>", "add_bos_token": true}""");
    JinjaChatTemplate t = JinjaChatTemplate.load(dir).orElseThrow();
    assertThat(t.bosToken()).contains("<s>");
    assertThat(t.eosToken()).contains("</s>");
    assertThat(t.specialTokens()).containsOnlyKeys("bos_token", "eos_token", "image_token");
    assertThat(t.origin()).endsWith("tokenizer_config.json (key chat_template)");
    assertThat(t.render(List.of(ChatMessage.user("hi")), false)).isEqualTo("<s>hi</s>");
  }

  @Test
  void chatTemplateJinjaWinsOverTheConfig(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"config\", \"eos_token\": \"E\"}");
    Files.writeString(dir.resolve("chat_template.jinja"), "file{{ eos_token }}\r\n");
    JinjaChatTemplate t = JinjaChatTemplate.load(dir).orElseThrow();
    assertThat(t.source()).isEqualTo("file{{ eos_token }}\r\n");
    assertThat(t.render(List.of(ChatMessage.user("x")), false)).isEqualTo("fileE");
    Files.createDirectories(dir.resolve("chat_templates"));
    Files.writeString(dir.resolve("chat_templates/tool_use.jinja"), "tools");
    assertThat(JinjaChatTemplate.load(dir, "tool_use").orElseThrow().render(List.of(), false)).isEqualTo("tools");
  }

  @Test
  void namedTemplatesFromAConfigListAreLoadedByName(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer_config.json"), """
        {"chat_template": [{"name": "default", "template": "D"}, {"name": "rag", "template": "R"}]}""");
    assertThat(JinjaChatTemplate.load(dir).orElseThrow().source()).isEqualTo("D");
    JinjaChatTemplate rag = JinjaChatTemplate.load(dir, "rag").orElseThrow();
    assertThat(rag.source()).isEqualTo("R");
    assertThat(rag.origin()).endsWith("(key chat_template, name \"rag\")");
    assertThat(JinjaChatTemplate.load(dir, "tool_use")).isEmpty();
  }

  @Test
  void severalTemplatesWithoutADefaultAreAnError(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer_config.json"), """
        {"chat_template": [{"name": "a", "template": "A"}, {"name": "b", "template": "B"}]}""");
    assertThatThrownBy(() -> JinjaChatTemplate.load(dir))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("[a, b]")
        .hasMessageContaining("none named \"default\"");
  }

  @Test
  void noTemplateIsEmpty(@TempDir Path dir) throws IOException {
    assertThat(JinjaChatTemplate.load(dir)).isEmpty();
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": null, \"eos_token\": \"</s>\"}");
    assertThat(JinjaChatTemplate.load(dir)).isEmpty();
  }

  @Test
  void malformedFilesNameTheFileAndKey(@TempDir Path dir) throws IOException {
    Path config = dir.resolve("tokenizer_config.json");
    Files.writeString(config, "{\"chat_template\": 42}");
    assertThatThrownBy(() -> JinjaChatTemplate.load(dir))
        .isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith(config.toString())
        .hasMessageContaining("chat_template must be a string or a list");
    Files.writeString(config, "{\"chat_template\": [{\"name\": \"default\"}]}");
    assertThatThrownBy(() -> JinjaChatTemplate.load(dir)).hasMessageContaining("chat_template[0]");
    Files.writeString(config, "{\"chat_template\": \"x\", \"eos_token\": 7}");
    assertThatThrownBy(() -> JinjaChatTemplate.load(dir)).hasMessageContaining("eos_token must be a string");
    Files.writeString(config, "{\"chat_template\": ");
    assertThatThrownBy(() -> JinjaChatTemplate.load(dir)).hasMessageContaining("not valid JSON");
  }

  @Test
  void specialTokensMapFillsAndOnLegacyConfigsOverridesTheConfig(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("special_tokens_map.json"), """
        {"bos_token": {"content": "<map-bos>"}, "eos_token": "<map-eos>", "pad_token": "<pad>"}""");
    Files.writeString(dir.resolve("tokenizer_config.json"), """
        {"chat_template": "x", "eos_token": "<cfg-eos>", "added_tokens_decoder": {}}""");
    JinjaChatTemplate modern = JinjaChatTemplate.load(dir).orElseThrow();
    assertThat(modern.specialTokens()).containsEntry("eos_token", "<cfg-eos>")
        .containsEntry("bos_token", "<map-bos>").containsEntry("pad_token", "<pad>");
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"x\", \"eos_token\": \"<cfg-eos>\"}");
    assertThat(JinjaChatTemplate.load(dir).orElseThrow().eosToken()).contains("<map-eos>");
  }

  // ---- real models ---------------------------------------------------------------------------

  static Stream<Arguments> realChats() throws IOException {
    List<Arguments> out = new ArrayList<>();
    if (!Files.isDirectory(REAL_MODELS)) {
      return out.stream();
    }
    try (Stream<Path> dirs = Files.list(REAL_MODELS)) {
      for (Path dir : dirs.sorted().toList()) {
        Path golden = dir.resolve("golden.json");
        if (!Files.isRegularFile(golden)) {
          continue;
        }
        JsonNode chats = JSON.readTree(golden.toFile()).path("chat");
        for (int i = 0; i < chats.size(); i++) {
          JsonNode c = chats.get(i);
          String prompt = c.path("add_generation_prompt").asBoolean() ? " + prompt" : "";
          String name = c.path("case").asText("#" + i) + prompt;
          out.add(Arguments.of(dir.getFileName().toString(), name, c));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("realChats")
  void realTemplatesRenderAsTransformers(String model, String name, JsonNode c) {
    JinjaChatTemplate t = JinjaChatTemplate.load(REAL_MODELS.resolve(model)).orElseThrow();
    List<Map<String, Object>> messages = JSON.convertValue(c.path("messages"), MESSAGES);
    Map<String, Object> extra = c.has("kwargs") ? JSON.convertValue(c.path("kwargs"), OBJECT) : Map.of();
    assertThat(t.render(messages, c.path("add_generation_prompt").asBoolean(), extra))
        .isEqualTo(c.path("text").asText());
  }
}
