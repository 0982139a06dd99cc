package io.cpt4j.checkpoint.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.ConfigException;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Gemma 3's config keys ({@code Gemma3TextConfig} in transformers 5.18): the global and local rope
 * (transformers 4's {@code rope_theta} + {@code rope_scaling} + {@code rope_local_base_freq}, or
 * transformers 5's {@code rope_parameters} per layer type), the local/global layer pattern ({@code
 * layer_types}, else every {@code sliding_window_pattern}-th layer global, default 6), {@code
 * sliding_window} (default 4096), {@code query_pre_attn_scalar} (default 256) and {@code
 * final_logit_softcapping}. Bidirectional attention is refused.
 */
final class HfGemmaKeys {
  private HfGemmaKeys() {}

  /**
   * Sets the window, layer types, local rope base and scalars on {@code b}; returns the global
   * layers' rope parameters (theta, type, scaling) for {@link HfAttentionKeys#ropeTheta}.
   */
  static Map<String, Object> read(ObjectNode c, ModelConfig.Builder b) {
    JsonNode bidirectional = c.get("use_bidirectional_attention");
    if (bidirectional != null && bidirectional.asBoolean(false)) {
      throw new ConfigException("use_bidirectional_attention is not supported: cpt4j trains causal decoders");
    }
    int layers = HfConfigCodec.intOf(c, "num_hidden_layers");
    List<String> types = new ArrayList<>();
    JsonNode explicit = c.get("layer_types");
    if (explicit != null && !explicit.isNull()) {
      if (!explicit.isArray()) {
        throw new ConfigException("layer_types must be a list of strings, got " + explicit);
      }
      explicit.forEach(t -> types.add(t.asText()));
    } else {
      int pattern = c.hasNonNull("sliding_window_pattern") ? HfConfigCodec.intOf(c, "sliding_window_pattern") : 6;
      if (pattern <= 0) {
        throw new ConfigException("sliding_window_pattern must be positive, got " + pattern);
      }
      for (int l = 0; l < layers; l++) {
        types.add((l + 1) % pattern != 0 ? ModelConfig.SLIDING_ATTENTION : ModelConfig.FULL_ATTENTION);
      }
    }
    boolean slides = types.contains(ModelConfig.SLIDING_ATTENTION);
    int window = c.has("sliding_window") ? (c.get("sliding_window").isNull() ? 0
        : HfConfigCodec.intOf(c, "sliding_window")) : 4096;
    if (slides && window <= 0) {
      throw new ConfigException("layer_types has sliding_attention layers but sliding_window is " + c.get("sliding_window"));
    }
    b.slidingWindow(slides ? window : 0).layerTypes(slides ? types : List.of());
    b.queryPreAttnScalar(HfConfigCodec.number(c, "query_pre_attn_scalar", 256));
    // attn_logit_softcapping: Gemma3Attention never passes it to the attention (transformers 5.18), so
    // it changes nothing and is not read
    b.finalLogitSoftcap(HfConfigCodec.number(c, "final_logit_softcapping", 0));

    Map<String, Object> global = new LinkedHashMap<>();
    Map<String, Object> local = new LinkedHashMap<>();
    JsonNode params = c.get("rope_parameters");
    if (params != null && params.isObject() && (params.has(ModelConfig.FULL_ATTENTION)
        || params.has(ModelConfig.SLIDING_ATTENTION))) {
      global.putAll(map(params.get(ModelConfig.FULL_ATTENTION)));
      local.putAll(map(params.get(ModelConfig.SLIDING_ATTENTION)));
    } else if (params != null && params.isObject() && !params.isEmpty()) {
      global.putAll(map(params));
    }
    JsonNode scaling = c.get("rope_scaling");
    if (scaling != null && scaling.isObject()) {
      global.putAll(map(scaling)); // transformers: rope_scaling updates the global layers' parameters
    }
    Object localTheta = local.remove("rope_theta");
    Object localType = local.containsKey("rope_type") ? local.remove("rope_type") : local.remove("type");
    if (localType != null && !"default".equals(localType) || !local.isEmpty()) {
      throw new ConfigException("rope_parameters.sliding_attention " + local + " (type " + localType + "): scaled"
          + " rotary embeddings on Gemma's local layers are not supported");
    }
    double lt = localTheta instanceof Number n ? n.doubleValue() : HfConfigCodec.number(c, "rope_local_base_freq", 10000);
    if (slides) {
      b.localRopeTheta(lt);
    }
    return global;
  }

  /** Gemma 3's keys for {@code c}, in the form transformers 4.5x and 5.x both read. */
  static void write(ModelConfig c, ObjectNode o) {
    o.put("hidden_activation", c.hiddenAct());
    double scalar = c.queryPreAttnScalar() > 0 ? c.queryPreAttnScalar() : c.headDim();
    if (scalar == Math.rint(scalar)) {
      o.put("query_pre_attn_scalar", (long) scalar); // transformers 5 declares it an int
    } else {
      o.put("query_pre_attn_scalar", scalar);
    }
    o.put("rope_local_base_freq", c.localRopeTheta() > 0 ? c.localRopeTheta() : c.ropeTheta());
    if (c.hasSlidingLayers()) {
      o.put("sliding_window", c.slidingWindow());
      ArrayNode types = o.putArray("layer_types");
      c.layerTypes().forEach(types::add);
    } else {
      o.putNull("sliding_window");
      ArrayNode types = o.putArray("layer_types");
      for (int l = 0; l < c.numLayers(); l++) {
        types.add(ModelConfig.FULL_ATTENTION);
      }
    }
    o.putNull("attn_logit_softcapping");
    putCap(o, "final_logit_softcapping", c.finalLogitSoftcap());
  }

  private static void putCap(ObjectNode o, String key, double cap) {
    if (cap > 0) {
      o.put(key, cap);
    } else {
      o.putNull(key);
    }
  }

  private static Map<String, Object> map(JsonNode n) {
    if (n == null || n.isNull()) {
      return Map.of();
    }
    if (!n.isObject()) {
      throw new ConfigException("rope parameters must be an object, got " + n);
    }
    Map<String, Object> m = HfConfigCodec.JSON.convertValue(n, new TypeReference<Map<String, Object>>() {});
    m.values().removeIf(Objects::isNull);
    return m;
  }
}
