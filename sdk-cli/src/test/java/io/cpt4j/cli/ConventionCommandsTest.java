package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.tokenize.Tokenizer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model's own conventions from the command line: BOS added as its tokenizer's post-processor says
 * ({@code --no-special-tokens} to opt out), prompts in its chat template ({@code generate --chat},
 * {@code chat}), decoding defaults from generation_config.json, all carried through the ONNX export.
 */
class ConventionCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BOS = TestTokenizer.END_OF_TEXT;
  /** A ChatML template in the style of Qwen's, without the default system prompt. */
  private static final String CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n'"
      + " + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}"
      + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

  @TempDir Path tmp;

  /** The tiny test model with a tokenizer that adds BOS (<|endoftext|>), a chat template and generation defaults. */
  private Path export() throws Exception {
    ModelConfig config = TestCheckpoints.tinyLlama().newBuilder().vocabSize(TestTokenizer.VOCAB_SIZE)
        .maxPositionEmbeddings(1024).eosTokenIds(List.of(TestTokenizer.END_OF_TEXT)).build();
    Path ckpt = TestCheckpoints.write(tmp.resolve("ckpt"), config, TestCheckpoints.tensors(config, 42));
    TestTokenizer.write(ckpt);
    TestTokenizer.addBosPostProcessor(ckpt, "<|endoftext|>", BOS);
    var tc = JSON.createObjectNode().put("bos_token", "<|endoftext|>").put("eos_token", "<|endoftext|>")
        .put("chat_template", CHATML);
    Files.writeString(ckpt.resolve("tokenizer_config.json"), tc.toString());
    Files.writeString(ckpt.resolve("generation_config.json"), "{\"max_new_tokens\": 3, \"eos_token_id\": [1000]}");
    Path out = tmp.resolve("onnx");
    Cli.Result r = Cli.run("export", "onnx", ckpt.toString(), out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    return out;
  }

  private static int[] ids(JsonNode array) {
    return IntStream.range(0, array.size()).map(i -> array.get(i).intValue()).toArray();
  }

  @Test
  void promptsGetTheBosTheTokenizerAddsUnlessToldNot() throws Exception {
    Path out = export();
    int[] text;
    try (Tokenizer t = Tokenizer.open(out.resolve("tokenizer.json"))) {
      text = t.encode("hello world");
    }
    JsonNode with = JSON.readTree(Cli.run("generate", out.toString(), "--prompt", "hello world", "--json").out());
    assertThat(ids(with.get("prompt_tokens"))).startsWith(BOS).endsWith(text).hasSize(text.length + 1);
    JsonNode without = JSON.readTree(Cli.run("generate", out.toString(), "--prompt", "hello world", "--json",
        "--no-special-tokens").out());
    assertThat(ids(without.get("prompt_tokens"))).isEqualTo(text);
    JsonNode scored = JSON.readTree(Cli.run("score", out.toString(), "--text", "hello world", "--json").out());
    assertThat(ids(scored.get("tokens"))).startsWith(BOS);
  }

  @Test
  void generationConfigSetsTheDefaultsAndFlagsOverrideThem() throws Exception {
    Path out = export();
    JsonNode defaults = JSON.readTree(Cli.run("generate", out.toString(), "--prompt", "hello", "--json").out());
    assertThat(defaults.get("tokens").size()).isEqualTo(3); // max_new_tokens 3; the eos 1000 never comes
    JsonNode flagged = JSON.readTree(Cli.run("generate", out.toString(), "--prompt", "hello", "--json",
        "--max-new-tokens", "5").out());
    assertThat(flagged.get("tokens").size()).isEqualTo(5);
    assertThat(JSON.readTree(out.resolve("genai_config.json").toFile()).path("model").path("eos_token_id")
        .intValue()).isEqualTo(1000);
  }

  @Test
  void chatPromptsAreTheRenderedTemplateWithoutAddedTokens() throws Exception {
    Path out = export();
    String rendered = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n"
        + "<|im_start|>assistant\n";
    int[] expected;
    try (Tokenizer t = Tokenizer.open(out.resolve("tokenizer.json"))) {
      expected = t.encode(rendered);
    }
    Cli.Result r = Cli.run("generate", out.toString(), "--chat", "--system", "Be brief.", "--prompt", "hello", "--json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(ids(JSON.readTree(r.out()).get("prompt_tokens"))).isEqualTo(expected);

    try (io.cpt4j.onnx.OrtModel m = io.cpt4j.onnx.OrtModel.load(out);
        Tokenizer t = Tokenizer.open(out.resolve("tokenizer.json"))) {
      io.cpt4j.onnx.Generation g = m.generationDefaults();
      int[] reply = m.generate(expected, g);
      assertThat(m.chat(List.of(io.cpt4j.tokenize.ChatMessage.system("Be brief."),
          io.cpt4j.tokenize.ChatMessage.user("hello")), g)).as("OrtModel.chat").isEqualTo(t.decode(reply));
    }
    Cli.Result noSystem = Cli.run("generate", out.toString(), "--system", "x", "--prompt", "hello");
    assertThat(noSystem.exitCode()).isEqualTo(2);
    assertThat(noSystem.err()).contains("--system needs --chat");
    Files.delete(out.resolve("tokenizer_config.json"));
    Cli.Result none = Cli.run("generate", out.toString(), "--chat", "--prompt", "hello");
    assertThat(none.exitCode()).isEqualTo(1);
    assertThat(none.errLines()).hasSize(1);
    assertThat(none.err()).startsWith("error: ").contains("has no chat template");
  }

  @Test
  void badConventionsAreOneErrorLineNamingTheFileAndKey() throws Exception {
    Path out = export();
    Path config = out.resolve("config.json");
    String good = Files.readString(config);
    Files.writeString(config, good.replaceFirst("\\{", "{\"rope_scaling\": {\"rope_type\": \"longrope\", \"factor\": 2.0},"));
    Cli.Result rope = Cli.run("score", out.toString(), "--tokens", "1,2");
    assertThat(rope.exitCode()).isEqualTo(1);
    assertThat(rope.errLines()).hasSize(1);
    assertThat(rope.err()).startsWith("error: ").contains(config.toString()).contains("rope type 'longrope'");
    Files.writeString(config, good);

    var tc = JSON.createObjectNode().put("chat_template",
        "{% if messages[0]['role'] != 'system' %}{{ raise_exception('a system message comes first') }}{% endif %}");
    Files.writeString(out.resolve("tokenizer_config.json"), tc.toString());
    Path before = Files.list(out).sorted().reduce((a, b) -> b).orElseThrow();
    Cli.Result raised = Cli.run("generate", out.toString(), "--chat", "--prompt", "hello");
    assertThat(raised.exitCode()).isEqualTo(1);
    assertThat(raised.errLines()).hasSize(1);
    assertThat(raised.err()).startsWith("error: ").contains("tokenizer_config.json").contains("chat_template")
        .contains("a system message comes first");
    assertThat(raised.out()).isEmpty();
    assertThat(Files.list(out).sorted().reduce((a, b) -> b).orElseThrow()).isEqualTo(before);
  }

  @Test
  void chatKeepsTheConversationAndEndsAtExit() throws Exception {
    Path out = export();
    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream("hello\n\nworld\n/reset\nhello\n/exit\n".getBytes(StandardCharsets.UTF_8)));
      Cli.Result r = Cli.run("chat", out.toString(), "--system", "Be brief.");
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.out().split("> ", -1)).hasSize(7); // a prompt before each of the 6 lines read
      String[] stats = r.errLines();
      assertThat(stats).hasSize(3);
      int first = Integer.parseInt(stats[0].replaceAll("^\\[(\\d+) prompt.*", "$1"));
      int second = Integer.parseInt(stats[1].replaceAll("^\\[(\\d+) prompt.*", "$1"));
      int afterReset = Integer.parseInt(stats[2].replaceAll("^\\[(\\d+) prompt.*", "$1"));
      assertThat(second).as("the second turn carries the first").isGreaterThan(first + 5);
      assertThat(afterReset).as("/reset keeps only the system message").isEqualTo(first);
    } finally {
      System.setIn(stdin);
    }
    assertThat(Arrays.asList(Main.class.getAnnotation(picocli.CommandLine.Command.class).subcommands()))
        .contains(ChatCommand.class);
  }
}
