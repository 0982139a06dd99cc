package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VectorsCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  final ModelConfig config = TestCheckpoints.tinyLlama();
  Path base;
  Path a;
  Path b;

  @BeforeEach
  void checkpoints() throws Exception {
    base = TestCheckpoints.write(tmp.resolve("base"), config, TestCheckpoints.tensors(config, 1));
    a = TestCheckpoints.write(tmp.resolve("instruct"), config, TestCheckpoints.tensors(config, 2));
    b = TestCheckpoints.write(tmp.resolve("domain"), config, TestCheckpoints.tensors(config, 3));
  }

  @Test
  void diffWritesTunedMinusBase() throws Exception {
    Path out = tmp.resolve("instruct.safetensors");
    Cli.Result r = Cli.run("vectors", "diff", base.toString(), a.toString(), out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).startsWith("task vector of " + config.expectedTensors().size() + " tensors (")
        .contains("F32", " -> " + out);
    try (TensorStore v = Safetensors.open(out); Checkpoint cb = Checkpoint.open(base); Checkpoint ca = Checkpoint.open(a)) {
      assertThat(v.metadata()).containsEntry("base", base.toString()).containsEntry("tuned", a.toString());
      for (TensorInfo t : cb.tensors()) {
        float[] x = cb.tensor(t.name()).toFloatArray();
        float[] y = ca.tensor(t.name()).toFloatArray();
        float[] d = v.tensor(t.name()).toFloatArray();
        for (int i = 0; i < d.length; i++) {
          assertThat(d[i]).isEqualTo(y[i] - x[i]);
        }
      }
    }
    // an existing file needs --overwrite; with --exclude the embeddings are left out
    Cli.Result again = Cli.run("vectors", "diff", base.toString(), a.toString(), out.toString());
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.errLines()).hasSize(1);
    assertThat(again.err()).startsWith("error: ").contains("--overwrite");
    Cli.Result filtered = Cli.run("vectors", "diff", base.toString(), a.toString(), out.toString(), "--overwrite",
        "--exclude", ".*embed_tokens.*", "--dtype", "bf16");
    assertThat(filtered.exitCode()).as(filtered.err()).isZero();
    try (TensorStore v = Safetensors.open(out)) {
      assertThat(v.tensors()).hasSize(config.expectedTensors().size() - 1);
      assertThat(v.tensors()).allSatisfy(t -> assertThat(t.dtype().name()).isEqualTo("BF16"));
    }
  }

  @Test
  void diffOfMismatchedCheckpointsIsOneErrorLine() throws Exception {
    Path other = TestCheckpoints.write(tmp.resolve("neox"), TestCheckpoints.tinyNeox(), false);
    Path out = tmp.resolve("bad.safetensors");
    Cli.Result r = Cli.run("vectors", "diff", base.toString(), other.toString(), out.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("error: cannot take the task vector").contains("GPT_NEOX")
        .doesNotContain("Exception", "\tat ");
    assertThat(out).doesNotExist();
  }

  @Test
  void similarityOfCheckpointsAndSavedVectors() throws Exception {
    Path saved = tmp.resolve("domain.safetensors");
    assertThat(Cli.run("vectors", "diff", base.toString(), b.toString(), saved.toString()).exitCode()).isZero();

    Cli.Result table = Cli.run("vectors", "similarity", "--base", base.toString(), a.toString(), b.toString());
    assertThat(table.exitCode()).as(table.err()).isZero();
    assertThat(table.out()).contains("|instruct|", "|domain|", "instruct ~ domain", "layer 0", "top-1% overlap");

    Cli.Result json = Cli.run("vectors", "similarity", "--base", base.toString(), a.toString(), saved.toString(),
        a.toString(), "--json", "--top", "5%");
    assertThat(json.exitCode()).as(json.err()).isZero();
    JsonNode root = JSON.readTree(json.out());
    assertThat(root.get("labels").toString()).isEqualTo("[\"instruct\",\"domain\",\"instruct#2\"]");
    assertThat(root.get("top_fraction").asDouble()).isEqualTo(0.05);
    JsonNode pairs = root.get("overall").get("pairs");
    assertThat(pairs).hasSize(3);
    assertThat(pairs.get(1).get("a").asText()).isEqualTo("instruct");
    assertThat(pairs.get(1).get("b").asText()).isEqualTo("instruct#2");
    assertThat(pairs.get(1).get("cosine").asDouble()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
    // the saved vector and the checkpoint give the same statistics (F32 file: exact values)
    Cli.Result viaDirs = Cli.run("vectors", "similarity", "--base", base.toString(), a.toString(), b.toString(),
        "--json", "--top", "5%");
    assertThat(JSON.readTree(viaDirs.out()).get("overall").get("pairs").get(0).get("cosine").asDouble())
        .isEqualTo(pairs.get(0).get("cosine").asDouble());
    assertThat(root.get("tensors")).hasSize(config.expectedTensors().size());
  }

  @Test
  void similarityBadInputs() throws Exception {
    Cli.Result noBase = Cli.run("vectors", "similarity", a.toString(), b.toString());
    assertThat(noBase.exitCode()).isEqualTo(2);
    assertThat(noBase.err()).startsWith("error: ").contains("--base is needed");

    Cli.Result one = Cli.run("vectors", "similarity", "--base", base.toString(), a.toString());
    assertThat(one.exitCode()).isEqualTo(2);

    Path notVector = Files.writeString(tmp.resolve("notes.txt"), "hello");
    Cli.Result bad = Cli.run("vectors", "similarity", "--base", base.toString(), a.toString(), notVector.toString());
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.errLines()).hasSize(1);
    assertThat(bad.err()).startsWith("error: ").contains("notes.txt").doesNotContain("\tat ");
  }

  @Test
  void vectorsWithoutSubcommandIsUsage() {
    Cli.Result r = Cli.run("vectors");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: missing command");
    assertThat(Cli.run("--help").out()).contains("vectors", "graft");
    assertThat(List.of(Cli.run("vectors", "--help").out())).allSatisfy(s -> assertThat(s).contains("diff", "similarity"));
  }
}
