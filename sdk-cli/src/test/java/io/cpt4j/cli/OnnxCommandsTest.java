package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.onnx.Generation;
import io.cpt4j.onnx.OrtModel;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpt4j export onnx} and {@code cpt4j generate}: files, output lines, streaming, errors. */
class OnnxCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  /** Tiny Llama (context 64) over the test tokenizer's vocabulary, EOS = <|endoftext|>, with tokenizer.json. */
  private Path checkpoint() throws Exception {
    ModelConfig config = TestCheckpoints.tinyLlama().newBuilder().vocabSize(TestTokenizer.VOCAB_SIZE)
        .maxPositionEmbeddings(64).eosTokenIds(List.of(TestTokenizer.END_OF_TEXT)).build();
    Path dir = TestCheckpoints.write(tmp.resolve("ckpt"), config, TestCheckpoints.tensors(config, 42));
    TestTokenizer.write(dir);
    return dir;
  }

  @Test
  void exportWritesTheModelAndGenaiConfig() throws Exception {
    Path ckpt = checkpoint();
    Path out = tmp.resolve("onnx");
    Cli.Result r = Cli.run("export", "onnx", ckpt.toString(), out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("exported " + ckpt + " (float32, with KV cache) to ONNX: 4 files").contains("-> " + out);
    assertThat(TestCheckpoints.class).isNotNull();
    assertThat(Files.list(out).map(p -> p.getFileName().toString()).sorted().toList())
        .containsExactly("config.json", "genai_config.json", "model.onnx", "tokenizer.json");
    Cli.Result again = Cli.run("export", "onnx", ckpt.toString(), out.toString());
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.err()).startsWith("error: ").contains("--overwrite");
    Cli.Result plain = Cli.run("export", "onnx", ckpt.toString(), out.toString(), "--no-kv-cache", "--fp16",
        "--external-data", "always", "--overwrite");
    assertThat(plain.exitCode()).as(plain.err()).isZero();
    assertThat(plain.out()).contains("(float16, no KV cache)");
    assertThat(out.resolve("model.onnx_data")).exists();
    try (OrtModel m = OrtModel.load(out)) {
      assertThat(m.hasKvCache()).isFalse();
    }
    Cli.Result missing = Cli.run("export", "onnx", tmp.resolve("nope").toString(), tmp.resolve("x").toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.errLines()).hasSize(1);
    assertThat(Cli.run("export").exitCode()).isEqualTo(2);
  }

  @Test
  void generateStreamsTheTextOfTheGeneratedTokens() throws Exception {
    Path ckpt = checkpoint();
    Path out = tmp.resolve("onnx");
    assertThat(Cli.run("export", "onnx", ckpt.toString(), out.toString()).exitCode()).isZero();
    int[] expected;
    String text;
    try (OrtModel m = OrtModel.load(out); Tokenizer tok = Tokenizer.open(out.resolve("tokenizer.json"))) {
      expected = m.generate(tok.encode("hello world"), Generation.greedy(12));
      int[] visible = Arrays.stream(expected).filter(t -> t != TestTokenizer.END_OF_TEXT).toArray();
      text = tok.decode(visible);
    }
    Cli.Result r = Cli.run("generate", out.toString(), "--prompt", "hello world", "--max-new-tokens", "12");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(text + System.lineSeparator());
    assertThat(r.err()).startsWith("generated " + expected.length + " tokens in ").contains("tokens/s), stopped by ");

    Cli.Result j = Cli.run("generate", out.toString(), "--tokens", TestTokenizer.HELLO + "," + TestTokenizer.SPACE_WORLD,
        "--max-new-tokens", "12", "--temperature", "0.8", "--top-p", "0.9", "--seed", "3", "--json");
    assertThat(j.exitCode()).as(j.err()).isZero();
    JsonNode json = JSON.readTree(j.out());
    assertThat(json.get("prompt_tokens").toString()).isEqualTo("[" + TestTokenizer.HELLO + "," + TestTokenizer.SPACE_WORLD + "]");
    assertThat(json.get("tokens").size()).isBetween(1, 12);
    assertThat(Cli.run("generate", out.toString(), "--tokens", TestTokenizer.HELLO + "," + TestTokenizer.SPACE_WORLD,
        "--max-new-tokens", "12", "--temperature", "0.8", "--top-p", "0.9", "--seed", "3", "--json").out())
        .as("same seed, same tokens").contains(json.get("tokens").toString());

    Cli.Result bad = Cli.run("generate", out.toString(), "--prompt", "x", "--top-p", "0");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("topP");
    Cli.Result notOnnx = Cli.run("generate", ckpt.toString(), "--tokens", "1,2");
    assertThat(notOnnx.exitCode()).isEqualTo(1);
    assertThat(notOnnx.err()).startsWith("error: ").contains("model.onnx");
  }

  @Test
  void scoreOnAnExportGivesTheCheckpointsNll() throws Exception {
    Path ckpt = checkpoint();
    Path out = tmp.resolve("onnx");
    assertThat(Cli.run("export", "onnx", ckpt.toString(), out.toString()).exitCode()).isZero();
    Cli.Result a = Cli.run("score", ckpt.toString(), "--text", "hello world hello", "--json");
    Cli.Result b = Cli.run("score", out.toString(), "--text", "hello world hello", "--json");
    assertThat(a.exitCode()).as(a.err()).isZero();
    assertThat(b.exitCode()).as(b.err()).isZero();
    JsonNode ja = JSON.readTree(a.out());
    JsonNode jb = JSON.readTree(b.out());
    assertThat(jb.get("tokens")).isEqualTo(ja.get("tokens"));
    assertThat(jb.get("nll").size()).isEqualTo(ja.get("nll").size()).isPositive();
    for (int i = 0; i < ja.get("nll").size(); i++) {
      assertThat(jb.get("nll").get(i).asDouble()).isCloseTo(ja.get("nll").get(i).asDouble(),
          org.assertj.core.data.Offset.offset(1e-4));
    }
    // a file longer than the context (64): scored with a sliding window through ONNX Runtime
    Path file = tmp.resolve("long.txt");
    Files.writeString(file, "hello world ".repeat(60));
    Cli.Result slid = Cli.run("score", out.toString(), "--file", file.toString(), "--json");
    assertThat(slid.exitCode()).as(slid.err()).isZero();
    assertThat(JSON.readTree(slid.out()).get("tokens").size()).isGreaterThan(64);
    Cli.Result refused = Cli.run("score", ckpt.toString(), "--file", file.toString());
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("max_position_embeddings");
    Cli.Result human = Cli.run("score", out.toString(), "--text", "hello world hello");
    assertThat(human.exitCode()).as(human.err()).isZero();
    assertThat(human.out()).contains("mean NLL:").contains("perplexity:").contains("TOKEN");
  }
}
