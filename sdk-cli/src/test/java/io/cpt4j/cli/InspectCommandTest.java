package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
  @TempDir Path tmp;

  @Test
  void humanOutputForLlama() throws Exception {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path dir = TestCheckpoints.write(tmp.resolve("llama"), config, true);

    Cli.Result r = Cli.run("inspect", dir.toString());

    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    long params = config.parameterCount();
    assertThat(r.out())
        .contains("Architecture:  llama (LlamaForCausalLM)")
        .contains("Parameters:    " + Numbers.grouped(params) + " (" + Numbers.shortForm(params) + ")")
        .contains("Layers:        2")
        .contains("Heads:         4 (kv heads 2, head dim 8)")
        .contains("Vocab size:    128")
        .contains("Tensor dtypes: F32 (" + config.expectedTensors().size() + " tensors)")
        .contains("model.safetensors", "config.json")
        .contains("Tokenizer:     tokenizer.json present")
        .contains("Tensors (" + config.expectedTensors().size() + "):");
    // every tensor appears once, and the columns line up
    List<String> rows = tensorRows(r.out());
    assertThat(rows).hasSize(config.expectedTensors().size() + 1);
    int dtypeColumn = rows.get(0).indexOf("DTYPE");
    for (String row : rows.subList(1, rows.size())) {
      assertThat(row.substring(dtypeColumn)).startsWith("F32");
    }
    for (Map.Entry<String, List<Long>> e : config.expectedTensors().entrySet()) {
      assertThat(r.out()).containsPattern("\\n  " + java.util.regex.Pattern.quote(e.getKey()) + " +F32 +"
          + java.util.regex.Pattern.quote(e.getValue().toString()) + "\\R");
    }
  }

  @Test
  void humanOutputForGptNeoxWithoutTokenizer() throws Exception {
    Path dir = TestCheckpoints.write(tmp.resolve("neox"), TestCheckpoints.tinyNeox(), false);

    Cli.Result r = Cli.run("inspect", dir.toString());

    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .contains("Architecture:  gpt_neox (GPTNeoXForCausalLM)")
        .contains("Tokenizer:     none")
        .contains("gpt_neox.layers.1.attention.query_key_value.weight");
  }

  @Test
  void jsonOutput() throws Exception {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path dir = TestCheckpoints.write(tmp.resolve("llama"), config, false);

    Cli.Result r = Cli.run("inspect", "--json", dir.toString());

    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    JsonNode json = new ObjectMapper().readTree(r.out());
    List<String> keys = new ArrayList<>();
    json.fieldNames().forEachRemaining(keys::add);
    assertThat(keys.subList(0, 3)).containsExactly("architecture", "parameters", "tensors");
    assertThat(json.get("architecture").asText()).isEqualTo("llama");
    assertThat(json.get("parameters").isIntegralNumber()).isTrue();
    assertThat(json.get("parameters").asLong()).isEqualTo(config.parameterCount());
    assertThat(json.get("hf_class").asText()).isEqualTo("LlamaForCausalLM");
    assertThat(json.get("tokenizer").asBoolean()).isFalse();

    Iterator<JsonNode> tensors = json.get("tensors").elements();
    for (Map.Entry<String, List<Long>> e : config.expectedTensors().entrySet()) {
      JsonNode t = tensors.next();
      assertThat(t.get("name").asText()).isEqualTo(e.getKey());
      assertThat(t.get("dtype").asText()).isEqualTo("F32");
      List<Long> shape = new ArrayList<>();
      t.get("shape").forEach(d -> shape.add(d.asLong()));
      assertThat(shape).isEqualTo(e.getValue());
    }
    assertThat(tensors.hasNext()).isFalse();
  }

  @Test
  void jsonArchitectureForGptNeox() throws Exception {
    Path dir = TestCheckpoints.write(tmp.resolve("neox"), TestCheckpoints.tinyNeox(), false);
    Cli.Result r = Cli.run("inspect", dir.toString(), "--json");
    assertThat(r.exitCode()).isZero();
    assertThat(new ObjectMapper().readTree(r.out()).get("architecture").asText()).isEqualTo("gpt_neox");
  }

  static List<String> tensorRows(String out) {
    String table = out.substring(out.indexOf("Tensors ("));
    return table.lines().skip(1).filter(l -> l.startsWith("  ")).toList();
  }
}
