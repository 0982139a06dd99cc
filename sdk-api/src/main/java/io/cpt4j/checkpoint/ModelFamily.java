package io.cpt4j.checkpoint;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The decoder families cpt4j runs, as data (LitGPT's idea): each family's Hugging Face class and
 * {@code model_type}, tensor names, norm and MLP kinds, which bias and window keys its transformers
 * class reads, and whether it normalises queries and keys. The decoder, the ONNX graph, the tensor
 * layout, the optimizer's groups, the config codec and the merge checks read this table; adding a
 * family is adding an entry (plus its own math where it really differs). {@link ModelConfig} holds
 * the values of one checkpoint.
 */
public enum ModelFamily {
  /** {@code LlamaForCausalLM}: {@code attention_bias} (q, k, v, o) and {@code mlp_bias} are read. */
  LLAMA("llama", "LlamaForCausalLM", TensorNames.LLAMA, Norm.RMS, Mlp.GATED, Biases.ATTENTION_AND_MLP_KEYS,
      Window.NONE, false, "silu"),
  /** {@code MistralForCausalLM}: no biases; {@code sliding_window} on every layer. */
  MISTRAL("mistral", "MistralForCausalLM", TensorNames.LLAMA, Norm.RMS, Mlp.GATED, Biases.NONE, Window.ALL_LAYERS,
      false, "silu"),
  /** {@code Qwen2ForCausalLM}: q/k/v biases always; windows from {@code max_window_layers}. */
  QWEN2("qwen2", "Qwen2ForCausalLM", TensorNames.LLAMA, Norm.RMS, Mlp.GATED, Biases.QKV, Window.FROM_LAYER, false,
      "silu"),
  /** {@code Qwen3ForCausalLM}: per-head q/k RMSNorm, {@code attention_bias} (q, k, v, o), Qwen2's windows. */
  QWEN3("qwen3", "Qwen3ForCausalLM", TensorNames.LLAMA, Norm.RMS, Mlp.GATED, Biases.ATTENTION_KEY, Window.FROM_LAYER,
      true, "silu"),
  /** {@code GPTNeoXForCausalLM} (Pythia): LayerNorm, fused per-head q/k/v, plain GELU MLP, parallel residual. */
  GPT_NEOX("gpt_neox", "GPTNeoXForCausalLM", TensorNames.GPT_NEOX, Norm.LAYER_NORM, Mlp.PLAIN, Biases.NEOX, Window.NONE,
      false, "gelu"),
  /**
   * {@code Gemma3ForCausalLM} (text; 270M, 1B): embeddings scaled by √hidden, (1 + w) RMSNorm, sandwich
   * norms around attention and MLP, per-head q/k norm, GeGLU with tanh GELU, local sliding layers with
   * their own rope base ({@code layer_types} or {@code sliding_window_pattern}), {@code
   * query_pre_attn_scalar}, optional logit soft-capping.
   */
  GEMMA3("gemma3_text", "Gemma3ForCausalLM", TensorNames.GEMMA3, Norm.RMS_PLUS_ONE, Mlp.GATED, Biases.ATTENTION_KEY,
      Window.PATTERN, true, "gelu_pytorch_tanh");

  /** How a family normalises. */
  public enum Norm {
    /** RMSNorm with a weight, statistics in float32. */
    RMS,
    /** LayerNorm with weight and bias. */
    LAYER_NORM,
    /** Gemma's RMSNorm: the normalised input times {@code (1 + w)}, all in float32. */
    RMS_PLUS_ONE
  }

  /** The MLP's shape. */
  public enum Mlp {
    /** {@code down(act(gate(x)) · up(x))}. */
    GATED,
    /** {@code down(act(up(x)))}. */
    PLAIN
  }

  /** Which biases the transformers class builds, and from which config keys. */
  public enum Biases {
    /** {@code attention_bias} for q, k, v and o; {@code mlp_bias} for the MLP. */
    ATTENTION_AND_MLP_KEYS,
    /** {@code attention_bias} for q, k, v and o; none on the MLP. */
    ATTENTION_KEY,
    /** q, k and v always; none elsewhere. */
    QKV,
    /** GPT-NeoX: {@code attention_bias} (default true) for q/k/v and the output; the MLP always. */
    NEOX,
    /** None. */
    NONE
  }

  /** How the family's config says which layers slide. */
  public enum Window {
    /** Never: the class attends fully whatever {@code sliding_window} says. */
    NONE,
    /** Every layer by {@code sliding_window} (default 4096; null for none). */
    ALL_LAYERS,
    /** With {@code use_sliding_window}: {@code layer_types}, else layers from {@code max_window_layers} on. */
    FROM_LAYER,
    /** {@code layer_types}, else every {@code sliding_window_pattern}-th layer global, the rest sliding (Gemma). */
    PATTERN
  }

  private final String modelType;
  private final String hfClass;
  private final TensorNames names;
  private final Norm norm;
  private final Mlp mlp;
  private final Biases biases;
  private final Window window;
  private final boolean qkNorm;
  private final String defaultActivation;

  ModelFamily(String modelType, String hfClass, TensorNames names, Norm norm, Mlp mlp, Biases biases, Window window,
      boolean qkNorm, String defaultActivation) {
    this.modelType = modelType;
    this.hfClass = hfClass;
    this.names = names;
    this.norm = norm;
    this.mlp = mlp;
    this.biases = biases;
    this.window = window;
    this.qkNorm = qkNorm;
    this.defaultActivation = defaultActivation;
  }

  /** HF {@code model_type}. */
  public String modelType() {
    return modelType;
  }

  /** HF {@code architectures[0]}. */
  public String hfClass() {
    return hfClass;
  }

  public TensorNames names() {
    return names;
  }

  public Norm norm() {
    return norm;
  }

  public Mlp mlp() {
    return mlp;
  }

  public Biases biases() {
    return biases;
  }

  public Window window() {
    return window;
  }

  /** Whether queries and keys are RMS-normalised per head before the rotation (Qwen3). */
  public boolean qkNorm() {
    return qkNorm;
  }

  /** Whether token embeddings are multiplied by √hidden_size (Gemma). */
  public boolean scaledEmbedding() {
    return this == GEMMA3;
  }

  /** Whether attention and MLP outputs are normalised before their residual adds (Gemma's sandwich norms). */
  public boolean sandwichNorms() {
    return names.attentionOutNorm() != null;
  }

  /** Whether q, k and v are one fused projection. */
  public boolean fusedQkv() {
    return names.fusedQkv() != null;
  }

  /** The config's {@code hidden_act} when absent. */
  public String defaultActivation() {
    return defaultActivation;
  }

  /** The coarse family ({@link Architecture}) this one belongs to. */
  public Architecture architecture() {
    return this == GPT_NEOX ? Architecture.GPT_NEOX : Architecture.LLAMA;
  }

  private static final java.util.Map<String, ModelFamily> BY_MODEL_TYPE = java.util.Map.copyOf(
      Arrays.stream(values()).collect(java.util.stream.Collectors.toMap(f -> f.modelType, f -> f)));

  /** The family of a {@code model_type}, if supported (a map lookup: the decoder and optimizer ask often). */
  public static Optional<ModelFamily> ofModelType(String modelType) {
    return Optional.ofNullable(BY_MODEL_TYPE.get(modelType));
  }

  /** The family of an HF class name ({@code architectures[0]}), if supported. */
  public static Optional<ModelFamily> ofHfClass(String hfClass) {
    return Arrays.stream(values()).filter(f -> f.hfClass.equals(hfClass)).findFirst();
  }

  /** Every supported HF class, for messages. */
  public static List<String> hfClasses() {
    return Arrays.stream(values()).map(ModelFamily::hfClass).toList();
  }

  /** The embedding and head names of every family ({@code model.embed_tokens}, {@code lm_head}, …). */
  public static List<String> vocabularyTensors() {
    return Arrays.stream(values()).flatMap(f -> java.util.stream.Stream.of(f.names.embedding(), f.names.head()))
        .distinct().toList();
  }
}
