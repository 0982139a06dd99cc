package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpt4j eval}: the table, the JSON with per-item values, packing's invariance, and its errors. */
class EvalCommandTest {
  @TempDir Path tmp;

  private Path model() throws IOException {
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(TestTokenizer.VOCAB_SIZE).hiddenSize(16)
        .intermediateSize(32).numLayers(1).numHeads(2).maxPositionEmbeddings(64)
        .eosTokenIds(List.of(TestTokenizer.END_OF_TEXT)).build();
    Path dir = tmp.resolve("model");
    TestCheckpoints.write(dir, config, TestCheckpoints.tensors(config, 1));
    TestTokenizer.write(dir);
    return dir;
  }

  private Path task() throws IOException {
    return Files.writeString(tmp.resolve("hello.jsonl"), """
        {"context": "hello", "choices": ["world", "hello", "or"], "gold": 0}
        {"context": "hello world", "choices": ["hello", "world"], "gold": 1}
        {"context": "he", "choices": ["llo", "ll"], "gold": 0}
        """);
  }

  @Test
  void printsATableAndJsonWithEachItemsLoglikelihoods() throws IOException {
    Path model = model();
    Cli.Result table = Cli.run("eval", model.toString(), "--task", task().toString());
    assertThat(table.exitCode()).as(table.err()).isZero();
    assertThat(table.out()).contains("task").contains("hello").contains("acc").contains("acc_norm");

    Cli.Result json = Cli.run("eval", model.toString(), "--task", task().toString(), "--json");
    assertThat(json.exitCode()).as(json.err()).isZero();
    JsonNode t = new ObjectMapper().readTree(json.out()).path("tasks").path("hello");
    assertThat(t.path("n").asInt()).isEqualTo(3);
    assertThat(t.path("type").asText()).isEqualTo("multiple_choice");
    JsonNode items = t.path("items");
    assertThat(items).hasSize(3);
    int correct = 0;
    for (JsonNode item : items) {
      JsonNode ll = item.path("loglikelihoods");
      int pred = 0;
      for (int i = 1; i < ll.size(); i++) {
        pred = ll.get(i).asDouble() > ll.get(pred).asDouble() ? i : pred; // the first maximum wins ties
      }
      assertThat(item.path("pred").asInt()).isEqualTo(pred);
      correct += pred == item.path("gold").asInt() ? 1 : 0;
    }
    assertThat(t.path("acc").asDouble()).isEqualTo(correct / 3.0);

    Cli.Result unpacked = Cli.run("eval", model.toString(), "--task", task().toString(), "--json", "--no-packing");
    JsonNode u = new ObjectMapper().readTree(unpacked.out()).path("tasks").path("hello").path("items");
    for (int i = 0; i < 3; i++) {
      for (int c = 0; c < items.get(i).path("loglikelihoods").size(); c++) {
        assertThat(u.get(i).path("loglikelihoods").get(c).asDouble())
            .isCloseTo(items.get(i).path("loglikelihoods").get(c).asDouble(), org.assertj.core.data.Offset.offset(1e-5));
      }
    }

    Cli.Result limited = Cli.run("eval", model.toString(), "--task", task().toString(), "--json", "--limit", "2");
    assertThat(new ObjectMapper().readTree(limited.out()).path("tasks").path("hello").path("n").asInt()).isEqualTo(2);
  }

  private String generationTask() throws IOException {
    Path data = Files.writeString(tmp.resolve("qa.jsonl"), """
        {"question": "hello", "answer": "world"}
        {"question": "hello world", "answer": "hello"}
        """);
    return """
        task: echo
        dataset_path: json
        dataset_kwargs: {data_files: {test: DATA}}
        test_split: test
        output_type: generate_until
        doc_to_text: "{{question}}:"
        doc_to_target: answer
        generation_kwargs:
          until: ["\\n"]
          max_gen_toks: 8
        filter_list:
          - name: first-word
            filter:
              - function: regex
                regex_pattern: '(\\w+)'
        """.replace("DATA", data.toString());
  }

  @Test
  void generationTasksPrintExactMatchAndEachAnswer() throws IOException {
    Path model = model();
    Path yaml = Files.writeString(tmp.resolve("echo.yaml"), generationTask());
    Cli.Result table = Cli.run("eval", model.toString(), "--task", yaml.toString());
    assertThat(table.exitCode()).as(table.err()).isZero();
    assertThat(table.out()).contains("exact_match,first-word");
    for (String[] backend : List.of(new String[0], new String[] {"--no-packing"})) {
      List<String> args = new java.util.ArrayList<>(List.of("eval", model.toString(), "--task", yaml.toString(),
          "--json"));
      args.addAll(List.of(backend));
      Cli.Result json = Cli.run(args.toArray(String[]::new));
      assertThat(json.exitCode()).as(json.err()).isZero();
      JsonNode t = new ObjectMapper().readTree(json.out()).path("tasks").path("echo");
      assertThat(t.path("type").asText()).isEqualTo("generate_until");
      JsonNode item = t.path("items").get(1);
      assertThat(item.path("target").asText()).isEqualTo("hello");
      assertThat(item.path("tokens").asInt()).isBetween(1, 8);
      assertThat(item.path("generated").asText()).doesNotContain("\n");
      assertThat(item.has("loglikelihoods")).isFalse();
      double hits = 0;
      for (JsonNode i : t.path("items")) {
        hits += i.path("filtered").path("first-word").asText().equals(i.path("target").asText()) ? 1 : 0;
      }
      assertThat(t.path("exact_match,first-word").asDouble()).isEqualTo(hits / 2);
    }
  }

  @Test
  void badTaskFilesAndModelsAreOneErrorLine() throws IOException {
    Path model = model();
    Path bad = Files.writeString(tmp.resolve("bad.jsonl"), """
        {"context": "hello", "choices": ["world", "or"], "gold": 0}
        {"context": "hello", "choices": ["world", "or"], "gold": 2}
        """);
    Cli.Result r = Cli.run("eval", model.toString(), "--task", bad.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.errLines()[0]).startsWith("error: ").contains("bad.jsonl:2:").contains("gold 2 is out of range");

    Path yaml = Files.writeString(tmp.resolve("gen.yaml"), generationTask().replace("max_gen_toks: 8",
        "do_sample: true"));
    Cli.Result gen = Cli.run("eval", model.toString(), "--task", yaml.toString());
    assertThat(gen.exitCode()).isEqualTo(1);
    assertThat(gen.errLines()).hasSize(1);
    assertThat(gen.errLines()[0]).contains("gen.yaml:").contains("do_sample: sampling is not supported");
    Path tooLong = Files.writeString(tmp.resolve("long.yaml"), generationTask().replace("max_gen_toks: 8",
        "max_gen_toks: 64"));
    Cli.Result longGen = Cli.run("eval", model.toString(), "--task", tooLong.toString());
    assertThat(longGen.exitCode()).isEqualTo(1);
    assertThat(longGen.errLines()[0]).contains("max_gen_toks 64 leaves no room for the prompt");

    Files.delete(model.resolve("tokenizer.json"));
    Cli.Result noTokenizer = Cli.run("eval", model.toString(), "--task", task().toString());
    assertThat(noTokenizer.exitCode()).isEqualTo(1);
    assertThat(noTokenizer.errLines()[0]).contains("tokenizer.json");

    Cli.Result usage = Cli.run("eval", model.toString());
    assertThat(usage.exitCode()).isEqualTo(2);
  }
}
