package io.cpt4j.lora.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.lora.LoraAdapter;
import io.cpt4j.lora.LoraException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * PEFT's adapter directory: the names of its files and tensors, the {@code adapter_config.json}
 * that PEFT 0.21's {@code save_pretrained} writes for a LoRA (every field, keys sorted), and reading
 * one back into a {@link LoraAdapter}, refusing what cpt4j does not apply. Stateless.
 */
final class PeftAdapterFiles {
  private PeftAdapterFiles() {}

  static final String CONFIG = "adapter_config.json";
  static final String WEIGHTS = "adapter_model.safetensors";
  private static final String PREFIX = "base_model.model.";
  private static final String A = ".lora_A.weight";
  private static final String B = ".lora_B.weight";
  private static final ObjectMapper JSON = new ObjectMapper();

  static String aName(String module) {
    return PREFIX + module + A;
  }

  static String bName(String module) {
    return PREFIX + module + B;
  }

  /**
   * The config of an extracted adapter: {@code r} and {@code lora_alpha} (0: each module's rank),
   * per-module ranks (those differing from r go to {@code rank_pattern}, and to {@code alpha_pattern}
   * when alpha follows the rank), {@code target_modules} the leaf names of the modules with factors,
   * {@code exclude_modules} the modules under those leaf names without factors.
   */
  static byte[] config(String baseModel, int r, int alpha, Map<String, Integer> ranks) throws IOException {
    Map<String, Integer> rankPattern = new TreeMap<>();
    Set<String> targets = new java.util.TreeSet<>();
    ranks.forEach((module, rank) -> {
      if (rank > 0) {
        targets.add(leaf(module));
        if (rank != r) {
          rankPattern.put(module, rank);
        }
      }
    });
    List<String> excluded = ranks.entrySet().stream()
        .filter(e -> e.getValue() == 0 && targets.contains(leaf(e.getKey()))).map(Map.Entry::getKey).sorted().toList();
    TreeMap<String, Object> c = new TreeMap<>();
    for (String key : List.of("alora_invocation_tokens", "arrow_config", "auto_mapping", "corda_config", "eva_config",
        "kasa_config", "layer_replication", "layers_pattern", "layers_to_transform", "lora_ga_config",
        "megatron_config", "modules_to_save", "monteclora_config", "revision", "target_parameters",
        "trainable_token_indices", "use_bdlora", "velora_config")) {
      c.put(key, null);
    }
    c.put("alpha_pattern", alpha == 0 ? rankPattern : Map.of());
    c.put("base_model_name_or_path", baseModel);
    c.put("bias", "none");
    c.put("ensure_weight_tying", false);
    c.put("exclude_modules", excluded.isEmpty() ? null : excluded);
    c.put("fan_in_fan_out", false);
    c.put("inference_mode", true);
    c.put("init_lora_weights", true);
    c.put("loftq_config", Map.of());
    c.put("lora_alpha", alpha == 0 ? r : alpha);
    c.put("lora_bias", false);
    c.put("lora_dropout", 0.0);
    c.put("megatron_core", "megatron.core");
    c.put("peft_type", "LORA");
    c.put("qalora_group_size", 16);
    c.put("r", r);
    c.put("rank_pattern", rankPattern);
    c.put("target_modules", List.copyOf(targets));
    c.put("task_type", "CAUSAL_LM");
    c.put("use_dora", false);
    c.put("use_qalora", false);
    c.put("use_rslora", false);
    return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c) + "\n").getBytes(
        java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String leaf(String module) {
    return module.substring(module.lastIndexOf('.') + 1);
  }

  /** Reads and checks an adapter directory (see {@link LoraAdapter#read}). */
  static LoraAdapter read(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new LoraException(dir + ": no such adapter directory");
    }
    Path config = dir.resolve(CONFIG);
    Path weights = dir.resolve(WEIGHTS);
    for (Path required : List.of(config, weights)) {
      if (!Files.isRegularFile(required)) {
        String bin = Files.exists(dir.resolve("adapter_model.bin"))
            ? " (it has adapter_model.bin, a PyTorch pickle cpt4j does not load: save the adapter with "
                + "safe_serialization=True)" : "";
        throw new LoraException(dir + " has no " + required.getFileName() + bin + ": a PEFT adapter directory holds "
            + CONFIG + " and " + WEIGHTS);
      }
    }
    JsonNode c;
    try {
      c = JSON.readTree(config.toFile());
    } catch (IOException e) {
      throw new LoraException(config + ": not valid JSON: " + e.getMessage());
    }
    refuse(config, !c.path("peft_type").asText("").equals("LORA"), "peft_type is " + c.path("peft_type")
        + ", not LORA");
    refuse(config, c.path("use_dora").asBoolean(false), "use_dora: DoRA adapters are not supported");
    refuse(config, c.path("fan_in_fan_out").asBoolean(false), "fan_in_fan_out: Conv1D layouts are not supported");
    refuse(config, !c.path("bias").asText("none").equals("none") || c.path("lora_bias").asBoolean(false),
        "the adapter trains biases, which cpt4j does not apply");
    JsonNode save = c.path("modules_to_save");
    refuse(config, save.isArray() && !save.isEmpty(), "modules_to_save " + save + ": full module copies are not "
        + "supported");
    int r = c.path("r").asInt(0);
    refuse(config, r < 1 || !c.path("lora_alpha").isNumber(), "r must be a positive integer and lora_alpha a number");
    Map<String, Integer> rankPattern = new LinkedHashMap<>();
    c.path("rank_pattern").properties().forEach(e -> rankPattern.put(e.getKey(), e.getValue().asInt()));
    Map<String, Double> alphaPattern = new LinkedHashMap<>();
    c.path("alpha_pattern").properties().forEach(e -> alphaPattern.put(e.getKey(), e.getValue().asDouble()));
    List<String> targets = new ArrayList<>();
    JsonNode t = c.path("target_modules");
    if (t.isArray()) {
      t.forEach(n -> targets.add(n.asText()));
    } else if (t.isTextual()) {
      targets.add(t.asText());
    }
    Set<String> modules = new LinkedHashSet<>();
    try (TensorStore store = Safetensors.open(weights)) {
      for (TensorInfo info : store.tensors()) {
        String n = info.name();
        boolean a = n.endsWith(A);
        refuse(weights, !n.startsWith(PREFIX) || !(a || n.endsWith(B)), "tensor " + n + " is not a LoRA factor "
            + "(base_model.model.<module>.lora_A.weight or lora_B.weight): embedding adapters, DoRA magnitudes and "
            + "saved modules are not supported");
        modules.add(n.substring(PREFIX.length(), n.length() - A.length()));
      }
      for (String m : modules) {
        refuse(weights, !store.contains(aName(m)) || !store.contains(bName(m)), "module " + m
            + " lacks lora_A or lora_B");
      }
    }
    refuse(weights, modules.isEmpty(), "no LoRA factors");
    String base = c.path("base_model_name_or_path").isTextual() ? c.get("base_model_name_or_path").asText() : null;
    return new LoraAdapter(dir, base, r, c.get("lora_alpha").asDouble(), rankPattern, alphaPattern,
        c.path("use_rslora").asBoolean(false), targets, List.copyOf(modules));
  }

  private static void refuse(Path file, boolean failed, String why) {
    if (failed) {
      throw new LoraException(file + ": " + why);
    }
  }
}
