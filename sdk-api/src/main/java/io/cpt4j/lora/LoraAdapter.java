package io.cpt4j.lora;

import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A PEFT LoRA adapter directory as cpt4j applies it: {@code adapter_config.json} and {@code
 * adapter_model.safetensors}. Each module m of {@link #modules} changes the base weight {@code
 * m.weight} by {@code scaling(m) · lora_B · lora_A}. Immutable and thread-safe.
 *
 * @param directory the adapter directory
 * @param baseModel {@code base_model_name_or_path}, or null
 * @param rank the config's {@code r}
 * @param alpha the config's {@code lora_alpha}
 * @param rankPattern {@code rank_pattern}: module-name patterns with their own rank
 * @param alphaPattern {@code alpha_pattern}: module-name patterns with their own alpha
 * @param rsLora {@code use_rslora}: scaling alpha / √r instead of alpha / r
 * @param targetModules {@code target_modules} as written (names or, as one element, a regex)
 * @param modules the modules with factors in the weights file, in file order
 */
public record LoraAdapter(Path directory, String baseModel, int rank, double alpha, Map<String, Integer> rankPattern,
    Map<String, Double> alphaPattern, boolean rsLora, List<String> targetModules, List<String> modules) {

  public LoraAdapter {
    Objects.requireNonNull(directory, "directory");
    rankPattern = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rankPattern));
    alphaPattern = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(alphaPattern));
    targetModules = List.copyOf(targetModules);
    modules = List.copyOf(modules);
  }

  /**
   * Reads and checks an adapter directory.
   *
   * @throws LoraException if a file is missing, the config is not a plain LoRA (DoRA, embedding
   *     factors, bias training, fan-in/fan-out layout) or a module's factors disagree with it
   * @throws io.cpt4j.checkpoint.CheckpointException if the weights file is malformed
   */
  public static LoraAdapter read(Path directory) {
    return Providers.lora().readAdapter(Objects.requireNonNull(directory, "directory"));
  }

  /** The rank PEFT gives {@code module}: the first {@link #rankPattern} key matching it, else {@link #rank}. */
  public int rankOf(String module) {
    return pattern(rankPattern, module, rank);
  }

  /** The alpha PEFT gives {@code module}: the first {@link #alphaPattern} key matching it, else {@link #alpha}. */
  public double alphaOf(String module) {
    return pattern(alphaPattern, module, alpha);
  }

  /** The factor PEFT multiplies {@code lora_B · lora_A} by: alpha / r (alpha / √r with rsLoRA). */
  public double scaling(String module) {
    int r = rankOf(module);
    return alphaOf(module) / (rsLora ? Math.sqrt(r) : r);
  }

  /** PEFT's pattern lookup: a key matches a module whose name is the key or ends in "." + key, as a regex. */
  private static <T> T pattern(Map<String, T> patterns, String module, T fallback) {
    for (Map.Entry<String, T> e : patterns.entrySet()) {
      if (Pattern.compile("(.*\\.)?(" + e.getKey() + ")").matcher(module).matches()) {
        return e.getValue();
      }
    }
    return fallback;
  }
}
