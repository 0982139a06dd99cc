package io.cpt4j.checkpoint.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.ConfigException;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.ModelFamily;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The config.json keys that shape attention, in both the transformers 4 form ({@code rope_theta},
 * {@code rope_scaling}) and the transformers 5 form ({@code rope_parameters}, {@code layer_types}),
 * resolved as transformers 5 does; and the sliding windows of Mistral and Qwen2. Anything here
 * that would change the math and that cpt4j does not model is refused with the key's name.
 */
final class HfAttentionKeys {
  private HfAttentionKeys() {}

  /** Rotary types whose math cpt4j implements (the "dynamic" NTK type equals "default" within max_position_embeddings). */
  static final Set<String> ROPE_TYPES = Set.of("default", "linear", "llama3", "yarn", "dynamic");

  /** The rope parameters every type needs besides rope_theta. */
  private static final Map<String, List<String>> REQUIRED = Map.of(
      "linear", List.of("factor"),
      "dynamic", List.of("factor"),
      "llama3", List.of("factor", "low_freq_factor", "high_freq_factor"),
      "yarn", List.of("factor"));

  /**
   * The effective rope parameters, transformers 5's way: {@code rope_scaling} if it is set, else
   * {@code rope_parameters}; {@code rope_theta} and {@code partial_rotary_factor} inside it win over
   * the top-level keys. Per-layer-type parameters (Gemma 3) must all be equal here.
   */
  static Map<String, Object> ropeParameters(ObjectNode c) {
    JsonNode scaling = c.get("rope_scaling");
    JsonNode params = c.get("rope_parameters");
    for (String key : List.of("rope_scaling", "rope_parameters")) {
      JsonNode n = c.get(key);
      if (n != null && !n.isNull() && !n.isObject()) {
        throw new ConfigException(key + " must be an object or null, got " + n);
      }
    }
    JsonNode chosen = scaling != null && !scaling.isNull() && !scaling.isEmpty() ? scaling : params;
    String key = chosen == scaling ? "rope_scaling" : "rope_parameters";
    if (chosen == null || chosen.isNull()) {
      return new LinkedHashMap<>();
    }
    Map<String, Object> map = HfConfigCodec.JSON.convertValue(chosen, new TypeReference<Map<String, Object>>() {});
    map.values().removeIf(Objects::isNull); // "key": null means unset
    List<String> nested = map.keySet().stream()
        .filter(k -> k.equals(ModelConfig.FULL_ATTENTION) || k.equals(ModelConfig.SLIDING_ATTENTION)).toList();
    if (!nested.isEmpty()) {
      List<Object> distinct = nested.stream().map(map::get).distinct().toList();
      if (distinct.size() > 1 || nested.size() != map.size()) {
        throw new ConfigException(key + " differs per layer type " + nested
            + ": different rotary embeddings for local and global layers are not supported");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> only = new LinkedHashMap<>((Map<String, Object>) distinct.getFirst());
      map = only;
    }
    return map;
  }

  /**
   * Splits the effective rope parameters into {@code rope_theta} (returned) and the scaling map put
   * into {@code scalingOut} (empty for the default type), validating the type and its parameters.
   */
  static double ropeTheta(Map<String, Object> rope, double topLevelTheta, Map<String, Object> scalingOut) {
    Map<String, Object> s = new LinkedHashMap<>(rope);
    Object theta = s.remove("rope_theta");
    s.remove("partial_rotary_factor");
    Object typeValue = s.containsKey("rope_type") ? s.remove("rope_type") : s.remove("type");
    s.remove("type");
    String type = typeValue == null ? "default" : String.valueOf(typeValue);
    if (!ROPE_TYPES.contains(type)) {
      throw new ConfigException("rope type '" + type + "' is not supported (supported: default, linear, llama3, yarn,"
          + " dynamic); its scaling changes the rotary embedding, so the model cannot run without it");
    }
    for (String required : REQUIRED.getOrDefault(type, List.of())) {
      if (!(s.get(required) instanceof Number)) {
        throw new ConfigException("rope type '" + type + "' needs a number " + required + ", got " + s.get(required));
      }
    }
    if (!type.equals("default")) {
      scalingOut.put("rope_type", type);
      scalingOut.putAll(s);
    }
    if (theta == null) {
      return topLevelTheta;
    }
    if (!(theta instanceof Number n)) {
      throw new ConfigException("rope_theta must be a number, got " + theta);
    }
    return n.doubleValue();
  }

  /** {@code partial_rotary_factor} from the rope parameters, or {@code dflt}. */
  static double partialRotary(Map<String, Object> rope, double dflt) {
    Object v = rope.get("partial_rotary_factor");
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Number n)) {
      throw new ConfigException("partial_rotary_factor must be a number, got " + v);
    }
    return n.doubleValue();
  }

  /**
   * Sets {@code slidingWindow} and {@code layerTypes} on {@code b} as transformers derives them:
   * Mistral slides every layer by {@code sliding_window} (4096 when the key is absent, no window
   * when it is null); Qwen2 slides, when {@code use_sliding_window} is true, the layers {@code
   * layer_types} names or else those from {@code max_window_layers} on (default 28); Llama and
   * GPT-NeoX attend fully whatever {@code sliding_window} says, as in transformers.
   */
  static void slidingWindow(ObjectNode c, String modelType, int layers, ModelConfig.Builder b) {
    ModelFamily.Window kind = ModelFamily.ofModelType(modelType).orElseThrow().window();
    if (kind == ModelFamily.Window.PATTERN) {
      return; // Gemma: HfGemmaKeys reads its pattern
    }
    Integer window = switch (kind) {
      case ALL_LAYERS -> c.has("sliding_window") ? optionalInt(c, "sliding_window") : Integer.valueOf(4096);
      case FROM_LAYER -> !bool(c, "use_sliding_window") ? null
          : c.has("sliding_window") ? optionalInt(c, "sliding_window") : Integer.valueOf(4096);
      case NONE, PATTERN -> null;
    };
    List<String> types = new ArrayList<>();
    if (window != null && kind == ModelFamily.Window.ALL_LAYERS) {
      types.addAll(Collections.nCopies(layers, ModelConfig.SLIDING_ATTENTION));
    } else if (window != null && c.hasNonNull("layer_types")) {
      JsonNode explicit = c.get("layer_types");
      if (!explicit.isArray()) {
        throw new ConfigException("layer_types must be a list of strings, got " + explicit);
      }
      for (JsonNode t : explicit) {
        if (!t.isTextual()) {
          throw new ConfigException("layer_types must be a list of strings, got " + explicit);
        }
        types.add(t.textValue());
      }
    } else if (window != null) {
      int from = c.hasNonNull("max_window_layers") ? HfConfigCodec.intOf(c, "max_window_layers") : 28;
      for (int l = 0; l < layers; l++) {
        types.add(l >= from ? ModelConfig.SLIDING_ATTENTION : ModelConfig.FULL_ATTENTION);
      }
    }
    boolean slides = types.contains(ModelConfig.SLIDING_ATTENTION);
    b.slidingWindow(slides ? window : 0).layerTypes(slides ? types : List.of());
  }

  /** Refuses dropout: cpt4j trains deterministically without it, and a non-zero value changes training. */
  static void refuseDropout(ObjectNode c) {
    for (String key : List.of("attention_dropout", "hidden_dropout", "resid_pdrop", "embd_pdrop", "attn_pdrop")) {
      JsonNode n = c.get(key);
      if (n != null && n.isNumber() && n.doubleValue() != 0) {
        throw new ConfigException(key + " " + n + " is not supported: cpt4j trains without dropout (set it to 0.0)");
      }
    }
  }

  private static Integer optionalInt(ObjectNode c, String key) {
    JsonNode n = c.get(key);
    if (n == null || n.isNull()) {
      return null;
    }
    int v = HfConfigCodec.intOf(c, key);
    if (v <= 0) {
      throw new ConfigException(key + " must be positive or null, got " + v);
    }
    return v;
  }

  private static boolean bool(ObjectNode c, String key) {
    JsonNode n = c.get(key);
    if (n == null || n.isNull()) {
      return false;
    }
    if (!n.isBoolean()) {
      throw new ConfigException(key + " must be true or false, got " + n);
    }
    return n.booleanValue();
  }
}
