package io.cpt4j.lora;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapters cpt4j writes load in PEFT 0.21 and mean there what they mean here
 * (lora-golden/generate.py): re-extracting from the committed checkpoints gives the committed
 * adapters byte for byte (the ones PEFT loaded), and {@code lora apply} gives PEFT's {@code
 * merge_and_unload} weights within 1e-6. Run with {@code -Dcpt4j.lora.golden.write=true} to rewrite
 * the adapters (then rerun the script's peft step).
 */
class PeftGoldenTest {
  static final Path GOLDEN = Path.of("src/test/resources/lora-golden");
  /** PEFT adds its float32 product to the weight as we do; only the product's summation order differs. */
  static final double MERGED_TOLERANCE = 1e-6;

  @TempDir Path tmp;

  /** The two golden adapters: rank_pattern and alpha_pattern from an energy target; a fixed alpha. */
  static LoraExtraction golden(String name) {
    LoraExtraction x = LoraExtraction.between(GOLDEN.resolve("base"), GOLDEN.resolve("model")).rank(4)
        .baseModelName("base");
    UnaryOperator<LoraExtraction> variant = name.equals("adapter-energy") ? e -> e.energy(0.9).maxRank(8)
        : e -> e.alpha(16);
    return variant.apply(x);
  }

  @Test
  void reextractingGivesTheAdaptersPeftLoadedByteForByte() throws IOException {
    boolean write = Boolean.getBoolean("cpt4j.lora.golden.write");
    for (String name : new String[] {"adapter-energy", "adapter-alpha"}) {
      Path out = write ? GOLDEN.resolve(name) : tmp.resolve(name);
      ExtractionReport r = golden(name).overwrite(write).writeTo(out);
      System.out.println(name + ":\n" + r.describe() + "\n" + String.join("\n", r.warnings()));
      for (String file : new String[] {"adapter_config.json", "adapter_model.safetensors"}) {
        assertThat(Files.readAllBytes(out.resolve(file))).as(name + "/" + file)
            .isEqualTo(Files.readAllBytes(GOLDEN.resolve(name).resolve(file)));
      }
      assertThat(r.notCaptured()).extracting(ExtractionReport.NotCaptured::name)
          .containsExactly("model.layers.0.input_layernorm.weight");
    }
    JsonNode config = new ObjectMapper().readTree(GOLDEN.resolve("adapter-energy/adapter_config.json").toFile());
    assertThat(config.get("rank_pattern").size()).isPositive();
    assertThat(config.get("alpha_pattern")).isEqualTo(config.get("rank_pattern"));
    assertThat(config.get("exclude_modules").get(0).asText()).isEqualTo("model.layers.1.self_attn.k_proj");
  }

  @Test
  void applyingEqualsPeftsMergeAndUnload() throws IOException {
    JsonNode golden = new ObjectMapper().readTree(GOLDEN.resolve("golden.json").toFile());
    for (String name : new String[] {"adapter-energy", "adapter-alpha"}) {
      ApplicationReport r = LoraApplication.of(GOLDEN.resolve("base"), GOLDEN.resolve(name)).writeTo(tmp.resolve(name));
      assertThat(r.adapter().modules()).hasSize(golden.get(name).get("lora_modules").asInt());
      double worst = 0;
      try (Checkpoint ours = Checkpoint.open(tmp.resolve(name));
          TensorStore peft = Safetensors.open(GOLDEN.resolve(name + "-merged.safetensors"))) {
        assertThat(ours.tensors()).extracting(TensorInfo::name)
            .containsExactlyInAnyOrderElementsOf(peft.tensors().stream().map(TensorInfo::name).toList());
        for (TensorInfo t : ours.tensors()) {
          float[] got = ours.tensor(t.name()).toFloatArray();
          float[] want = peft.tensor(t.name()).toFloatArray();
          for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]));
          }
        }
      }
      System.out.printf("%s: %d modules, max |cpt4j apply - PEFT merge_and_unload| = %.3g; PEFT logits with the "
          + "adapter vs the fine-tuned model: max abs %.3g%n", name, r.adapter().modules().size(), worst,
          golden.get(name).get("max_abs_adapted_vs_finetuned_logits").asDouble());
      assertThat(worst).as(name).isLessThanOrEqualTo(MERGED_TOLERANCE);
    }
  }
}
