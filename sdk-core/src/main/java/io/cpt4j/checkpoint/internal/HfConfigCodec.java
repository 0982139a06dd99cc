package io.cpt4j.checkpoint.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.ConfigException;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.ModelFamily;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes Hugging Face {@code config.json} for the supported families, with the defaults
 * transformers applies when a field is absent ({@code LlamaConfig}, {@code MistralConfig}, {@code
 * Qwen2Config}, {@code GPTNeoXConfig}).
 */
public final class HfConfigCodec {
  private HfConfigCodec() {}

  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();


  /** Reads the tree of a JSON object file. */
  static ObjectNode readTree(Path file) {
    try {
      JsonNode root = JSON.readTree(Files.readAllBytes(file));
      if (root == null || !root.isObject()) {
        throw new ConfigException(file, "not a JSON object");
      }
      return (ObjectNode) root;
    } catch (NoSuchFileException e) {
      throw new ConfigException(file, "no such file");
    } catch (IOException e) {
      throw new ConfigException(file, "not valid JSON: " + ShardedSafetensors.firstLine(e.getMessage()));
    }
  }

  public static ModelConfig read(Path file) {
    ObjectNode root = readTree(file);
    try {
      return parse(root);
    } catch (ConfigException e) {
      throw new ConfigException(file, e.getMessage());
    }
  }

  static ModelConfig parse(ObjectNode c) {
    ModelFamily family = family(c);
    String hfClass = family.hfClass();
    Architecture arch = family.architecture();
    boolean llama = arch == Architecture.LLAMA;
    String modelType = family.modelType();
    int heads = integer(c, "num_attention_heads", null);
    ModelConfig.Builder b = ModelConfig.builder(arch)
        .hfClass(hfClass)
        .modelType(modelType)
        .vocabSize(integer(c, "vocab_size", null))
        .hiddenSize(integer(c, "hidden_size", null))
        .intermediateSize(integer(c, "intermediate_size", null))
        .numLayers(integer(c, "num_hidden_layers", null))
        .numHeads(heads)
        .numKvHeads(integer(c, "num_key_value_heads", heads))
        .maxPositionEmbeddings(integer(c, "max_position_embeddings", family == ModelFamily.GEMMA3 ? 131072 : 2048))
        .tieWordEmbeddings(bool(c, "tie_word_embeddings", family == ModelFamily.GEMMA3))
        .torchDtype(text(c, "torch_dtype", text(c, "dtype", "float32")));
    if (c.hasNonNull("head_dim")) {
      b.headDim(integer(c, "head_dim", null));
    } else if (family == ModelFamily.QWEN3) {
      b.headDim(128); // Qwen3Config's default, not hidden_size / heads
    } else if (family == ModelFamily.GEMMA3) {
      b.headDim(256); // Gemma3TextConfig's default
    }
    Map<String, Object> rope = family == ModelFamily.GEMMA3 ? HfGemmaKeys.read(c, b) : HfAttentionKeys.ropeParameters(c);
    Map<String, Object> scaling = new java.util.LinkedHashMap<>();
    if (llama) {
      // biases as each transformers class builds its layers (ModelFamily.Biases)
      ModelFamily.Biases rule = family.biases();
      boolean readsAttentionBias = rule == ModelFamily.Biases.ATTENTION_AND_MLP_KEYS
          || rule == ModelFamily.Biases.ATTENTION_KEY;
      boolean attentionBias = readsAttentionBias && bool(c, "attention_bias", false);
      boolean qwen2 = rule == ModelFamily.Biases.QKV;
      double partial = HfAttentionKeys.partialRotary(rope, number(c, "partial_rotary_factor", 1.0));
      if (partial != 1.0) {
        throw new ConfigException("partial_rotary_factor " + partial + " is not supported for " + hfClass
            + " (transformers rotates the whole head of this family)");
      }
      double globalTheta = number(c, "rope_theta", family == ModelFamily.GEMMA3 ? 1_000_000.0 : 10000.0);
      b.ropeTheta(HfAttentionKeys.ropeTheta(rope, globalTheta, scaling))
          .rotaryPct(1.0)
          .normEps(number(c, "rms_norm_eps", 1e-6))
          .qkvBias(qwen2 || attentionBias)
          .attentionOutputBias(!qwen2 && attentionBias)
          .mlpBias(rule == ModelFamily.Biases.ATTENTION_AND_MLP_KEYS && bool(c, "mlp_bias", false))
          .parallelResidual(false)
          .hiddenAct(family == ModelFamily.GEMMA3 ? text(c, "hidden_activation", family.defaultActivation())
              : text(c, "hidden_act", "silu"));
    } else {
      boolean bias = bool(c, "attention_bias", true);
      double theta = number(c, "rope_theta", number(c, "rotary_emb_base", 10000.0));
      b.ropeTheta(HfAttentionKeys.ropeTheta(rope, theta, scaling))
          .rotaryPct(HfAttentionKeys.partialRotary(rope,
              number(c, "rotary_pct", number(c, "partial_rotary_factor", 0.25))))
          .normEps(number(c, "layer_norm_eps", 1e-5))
          .qkvBias(bias)
          .attentionOutputBias(bias)
          .mlpBias(true)
          .parallelResidual(bool(c, "use_parallel_residual", true))
          .hiddenAct(text(c, "hidden_act", "gelu"));
    }
    Object ropeType = scaling.get("rope_type");
    if ("yarn".equals(ropeType) || "llama3".equals(ropeType)) {
      // transformers 5's standardize_rope_params: a top-level value (Phi-3 style) wins over the dict's,
      // and max_position_embeddings stands in when neither is given
      if (c.hasNonNull("original_max_position_embeddings")) {
        scaling.put("original_max_position_embeddings", intOf(c, "original_max_position_embeddings"));
      }
      scaling.putIfAbsent("original_max_position_embeddings", integer(c, "max_position_embeddings",
          family == ModelFamily.GEMMA3 ? 131072 : 2048));
    }
    b.ropeScaling(scaling);
    HfAttentionKeys.slidingWindow(c, modelType, integer(c, "num_hidden_layers", null), b);
    HfAttentionKeys.refuseDropout(c);
    JsonNode bos = c.get("bos_token_id");
    if (bos != null && !bos.isNull()) {
      b.bosTokenId(tokenInt("bos_token_id", bos));
    }
    List<Integer> eosIds = tokenIds(c.get("eos_token_id"), "eos_token_id");
    b.eosTokenIds(eosIds == null ? List.of() : eosIds);
    return b.build();
  }

  /**
   * The family: {@code architectures[0]} when given (a supported causal-LM class, agreeing with
   * {@code model_type} if that is set too), else {@code model_type}.
   */
  private static ModelFamily family(ObjectNode c) {
    JsonNode archs = c.get("architectures");
    if (archs != null && !archs.isNull() && !archs.isArray()) {
      throw new ConfigException("architectures must be a list of class names, got " + archs);
    }
    String type = text(c, "model_type", null);
    if (archs != null && archs.isArray() && !archs.isEmpty() && archs.get(0).isTextual()) {
      String cls = archs.get(0).textValue();
      ModelFamily f = ModelFamily.ofHfClass(cls).orElseThrow(() -> new ConfigException("unsupported architecture "
          + cls + " (supported: " + String.join(", ", ModelFamily.hfClasses()) + ")"));
      if (type != null && !type.equals(f.modelType())) {
        throw new ConfigException("model_type '" + type + "' does not match architectures " + cls + " (model_type '"
            + f.modelType() + "')");
      }
      return f;
    }
    if (type == null) {
      throw new ConfigException("neither architectures nor model_type is set");
    }
    return ModelFamily.ofModelType(type).orElseThrow(() -> new ConfigException("unsupported model_type '" + type
        + "' (supported: " + java.util.Arrays.stream(ModelFamily.values()).map(ModelFamily::modelType).toList() + ")"));
  }

  /**
   * The {@code eos_token_id} that {@code config.json} in {@code dir} declares, else the one of its
   * {@code generation_config.json}; empty when neither file declares one (or neither exists). Only
   * that key is read, so it works beside configs of any architecture.
   *
   * @throws ConfigException naming the file when it is not JSON or the key is not an id or list of ids
   */
  public static List<Integer> declaredEosTokenIds(Path dir) {
    for (String name : new String[] {"config.json", "generation_config.json"}) {
      Path file = dir.resolve(name);
      if (Files.isRegularFile(file)) {
        ObjectNode root = readTree(file); // names the file when it is not a JSON object
        List<Integer> ids;
        try {
          ids = tokenIds(root.get("eos_token_id"), "eos_token_id");
        } catch (ConfigException e) {
          throw new ConfigException(file, e.getMessage());
        }
        if (ids != null && !ids.isEmpty()) {
          return List.copyOf(ids);
        }
      }
    }
    return List.of();
  }

  /**
   * A token-id field that is an id or a list of ids ({@code eos_token_id} of config.json and
   * generation_config.json); null when absent or null.
   *
   * @throws ConfigException naming {@code field} when it is neither
   */
  public static List<Integer> tokenIds(JsonNode n, String field) {
    if (n == null || n.isNull()) {
      return null;
    }
    List<Integer> out = new ArrayList<>();
    for (JsonNode e : n.isArray() ? n : List.of(n)) {
      out.add(tokenInt(field, e));
    }
    return out;
  }

  private static int tokenInt(String field, JsonNode n) {
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new ConfigException(field + " must be an integer or a list of integers, got " + n);
    }
    return n.intValue();
  }

  /** A required integer field. */
  static int intOf(ObjectNode c, String field) {
    return integer(c, field, null);
  }

  private static int integer(ObjectNode c, String field, Integer dflt) {
    JsonNode n = c.get(field);
    if (n == null || n.isNull()) {
      if (dflt == null) {
        throw new ConfigException("missing required field " + field);
      }
      return dflt;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new ConfigException(field + " must be an integer, got " + n);
    }
    return n.intValue();
  }

  /** A number field, or {@code dflt} when absent or null. */
  static double number(ObjectNode c, String field, double dflt) {
    JsonNode n = c.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isNumber()) {
      throw new ConfigException(field + " must be a number, got " + n);
    }
    return n.doubleValue();
  }

  private static boolean bool(ObjectNode c, String field, boolean dflt) {
    JsonNode n = c.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isBoolean()) {
      throw new ConfigException(field + " must be true or false, got " + n);
    }
    return n.booleanValue();
  }

  private static String text(ObjectNode c, String field, String dflt) {
    JsonNode n = c.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isTextual()) {
      throw new ConfigException(field + " must be a string, got " + n);
    }
    return n.textValue();
  }

  /** A config.json for {@code c} with the fields transformers reads for its family. */
  public static ObjectNode toJson(ModelConfig c) {
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add(c.hfClass());
    o.put("model_type", c.modelType());
    o.put("vocab_size", c.vocabSize());
    o.put("hidden_size", c.hiddenSize());
    o.put("intermediate_size", c.intermediateSize());
    o.put("num_hidden_layers", c.numLayers());
    o.put("num_attention_heads", c.numHeads());
    o.put("max_position_embeddings", c.maxPositionEmbeddings());
    if (c.family() != ModelFamily.GEMMA3) {
      o.put("hidden_act", c.hiddenAct());
    }
    o.put("tie_word_embeddings", c.tieWordEmbeddings());
    o.put("torch_dtype", c.torchDtype());
    if (c.architecture() == Architecture.LLAMA) {
      o.put("num_key_value_heads", c.numKvHeads());
      o.put("head_dim", c.headDim());
      o.put("rope_theta", c.ropeTheta());
      o.put("rms_norm_eps", c.normEps());
      if (c.family() == ModelFamily.GEMMA3) {
        HfGemmaKeys.write(c, o);
      }
      ModelFamily.Biases rule = c.family().biases();
      if (rule == ModelFamily.Biases.ATTENTION_AND_MLP_KEYS || rule == ModelFamily.Biases.ATTENTION_KEY) {
        o.put("attention_bias", c.qkvBias());
      }
      if (rule == ModelFamily.Biases.ATTENTION_AND_MLP_KEYS) {
        o.put("mlp_bias", c.mlpBias());
      }
      slidingWindowKeys(c, o);
    } else {
      o.put("rotary_pct", c.rotaryPct());
      o.put("rotary_emb_base", c.ropeTheta());
      o.put("rope_theta", c.ropeTheta());
      o.put("layer_norm_eps", c.normEps());
      o.put("use_parallel_residual", c.parallelResidual());
      o.put("attention_bias", c.qkvBias());
    }
    if (c.bosTokenId().isPresent()) {
      o.put("bos_token_id", c.bosTokenId().getAsInt());
    }
    if (c.eosTokenIds().size() == 1) {
      o.put("eos_token_id", c.eosTokenIds().getFirst());
    } else if (!c.eosTokenIds().isEmpty()) {
      ArrayNode eos = o.putArray("eos_token_id");
      c.eosTokenIds().forEach(eos::add);
    }
    if (!c.ropeScaling().isEmpty()) {
      o.set("rope_scaling", JSON.valueToTree(c.ropeScaling()));
    }
    return o;
  }

  /** The window keys transformers 4.4x and 5.x read back to the same {@code layer_types}. */
  private static void slidingWindowKeys(ModelConfig c, ObjectNode o) {
    if (c.family().window() == ModelFamily.Window.ALL_LAYERS) {
      if (c.hasSlidingLayers()) {
        o.put("sliding_window", c.slidingWindow());
      } else {
        o.putNull("sliding_window"); // absent would mean transformers' default of 4096
      }
    } else if (c.family().window() == ModelFamily.Window.FROM_LAYER) {
      o.put("use_sliding_window", c.hasSlidingLayers());
      if (c.hasSlidingLayers()) {
        o.put("sliding_window", c.slidingWindow());
        int first = c.layerTypes().indexOf(ModelConfig.SLIDING_ATTENTION);
        o.put("max_window_layers", first);
        ArrayNode types = o.putArray("layer_types");
        c.layerTypes().forEach(types::add);
      } else {
        o.putNull("sliding_window");
      }
    }
  }

  static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new CheckpointException(null, "cannot serialise config.json: " + e.getMessage(), e);
    }
  }
}
