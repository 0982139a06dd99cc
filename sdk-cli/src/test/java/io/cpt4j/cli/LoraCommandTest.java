package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cpt4j lora extract} and {@code apply}: the adapter and its report, warnings for what it does
 * not capture, the merged checkpoint; one error line and nothing written on bad input.
 */
class LoraCommandTest {
  @TempDir Path tmp;

  private Path[] pair(ModelConfig config) throws IOException {
    return new Path[] {TestCheckpoints.write(tmp.resolve("base"), config, TestCheckpoints.tensors(config, 1)),
        TestCheckpoints.write(tmp.resolve("model"), config, TestCheckpoints.tensors(config, 2))};
  }

  @Test
  void extractsAFullRankAdapterAndApplyingItGivesBackTheProjections() throws IOException {
    Path[] p = pair(TestCheckpoints.tinyLlama());
    Path adapter = tmp.resolve("adapter");
    Cli.Result r = Cli.run("lora", "extract", "--base", p[0].toString(), "--model", p[1].toString(), "--rank", "32",
        adapter.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("model.layers.1.mlp.down_proj").contains("rank   32  energy 1.000000")
        .contains("14 of 14 projections as rank 16-32 factors, retaining 1.000000 of the delta energy; SVD ");
    assertThat(r.err()).contains("WARNING: model.embed_tokens.weight (embedding) differs")
        .contains("WARNING: lm_head.weight (LM head) differs").contains("(norm) differs");
    assertThat(adapter.resolve("adapter_config.json")).content().contains("\"peft_type\" : \"LORA\"")
        .contains("\"base_model_name_or_path\" : \"" + p[0] + "\"");

    Cli.Result applied = Cli.run("lora", "apply", p[0].toString(), adapter.toString(), tmp.resolve("merged").toString());
    assertThat(applied.exitCode()).as(applied.err()).isZero();
    assertThat(applied.out()).startsWith("merged 14 LoRA modules (r 32, alpha 32) into 21 tensors in ");
    try (Checkpoint model = Checkpoint.open(p[1]); Checkpoint merged = Checkpoint.open(tmp.resolve("merged"))) {
      float[] want = model.tensor("model.layers.1.self_attn.q_proj.weight").toFloatArray();
      float[] got = merged.tensor("model.layers.1.self_attn.q_proj.weight").toFloatArray();
      for (int i = 0; i < want.length; i++) {
        assertThat(got[i]).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void gptNeoxAdaptersTargetItsFusedAndDenseProjections() throws IOException {
    Path[] p = pair(TestCheckpoints.tinyNeox());
    Cli.Result r = Cli.run("lora", "extract", "--base", p[0].toString(), "--model", p[1].toString(), "--rank", "4",
        "--energy", "50%", "--max-rank", "8", "--alpha", "8", tmp.resolve("a").toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("gpt_neox.layers.0.attention.query_key_value").contains("8 of 8 projections");
    assertThat(r.err()).contains("WARNING: gpt_neox.layers.0.attention.dense.bias (bias) differs");
    assertThat(tmp.resolve("a/adapter_config.json")).content()
        .contains("\"target_modules\" : [ \"dense\", \"dense_4h_to_h\", \"dense_h_to_4h\", \"query_key_value\" ]")
        .contains("\"lora_alpha\" : 8");
  }

  @Test
  void badInputIsOneErrorLineAndNothingIsWritten() throws IOException {
    Path[] p = pair(TestCheckpoints.tinyLlama());
    Path other = TestCheckpoints.write(tmp.resolve("other"), TestCheckpoints.tinyLlama().newBuilder()
        .intermediateSize(48).build(), false);
    Path out = tmp.resolve("out");
    Cli.Result shape = Cli.run("lora", "extract", "--base", p[0].toString(), "--model", other.toString(), "--rank",
        "4", out.toString());
    assertThat(shape.exitCode()).isEqualTo(1);
    assertThat(shape.errLines()).hasSize(1);
    assertThat(shape.errLines()[0]).startsWith("error: cannot extract a LoRA adapter: the checkpoints do not match")
        .contains("model.layers.0.mlp.gate_proj.weight has shape [48, 32] in " + other);

    Path empty = Files.createDirectories(tmp.resolve("not-an-adapter"));
    Cli.Result missing = Cli.run("lora", "apply", p[0].toString(), empty.toString(), out.toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.errLines()).containsExactly("error: " + empty + " has no adapter_config.json: a PEFT adapter "
        + "directory holds adapter_config.json and adapter_model.safetensors");

    Cli.Result rank = Cli.run("lora", "extract", "--base", p[0].toString(), "--model", p[1].toString(), "--rank",
        "0", out.toString());
    assertThat(rank.exitCode()).isEqualTo(2);
    assertThat(rank.errLines()[0]).isEqualTo("error: --rank, --max-rank and --alpha must be at least 1");
    Cli.Result maxRank = Cli.run("lora", "extract", "--base", p[0].toString(), "--model", p[1].toString(), "--rank",
        "4", "--max-rank", "8", out.toString());
    assertThat(maxRank.exitCode()).isEqualTo(2);
    assertThat(out).doesNotExist();
  }
}
