package io.cpt4j.checkpoint;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Everything that distinguishes one supported decoder from another, read from a Hugging Face
 * {@code config.json} ({@link #read(Path)}) or built in code ({@link #builder(Architecture)}).
 * Immutable and thread-safe. The compact constructor validates every field and names the one at
 * fault.
 *
 * @param architecture the family (selects tensor names and code paths)
 * @param hfClass the Hugging Face class, e.g. {@code LlamaForCausalLM}
 * @param modelType HF {@code model_type}, one of {@link ModelFamily}'s: "llama", "mistral", "qwen2",
 *     "qwen3", "gpt_neox"
 * @param vocabSize rows of the embedding matrix
 * @param hiddenSize model width
 * @param intermediateSize MLP width
 * @param numLayers decoder blocks
 * @param numHeads query heads
 * @param numKvHeads key/value heads ({@code < numHeads} is grouped-query attention)
 * @param headDim width of one head (default {@code hiddenSize / numHeads})
 * @param maxPositionEmbeddings longest supported sequence
 * @param ropeTheta rotary base ({@code rope_theta}, GPT-NeoX {@code rotary_emb_base})
 * @param rotaryPct fraction of each head that is rotated (1.0 for Llama; GPT-NeoX {@code rotary_pct})
 * @param normEps epsilon of RMSNorm / LayerNorm
 * @param tieWordEmbeddings whether the LM head reuses the input embedding
 * @param qkvBias bias on the query/key/value projections (Qwen2; GPT-NeoX; Llama {@code
 *     attention_bias})
 * @param attentionOutputBias bias on the attention output projection (GPT-NeoX; Llama {@code
 *     attention_bias})
 * @param mlpBias bias on the MLP projections (GPT-NeoX; Llama {@code mlp_bias})
 * @param parallelResidual GPT-NeoX {@code use_parallel_residual}; false for Llama
 * @param hiddenAct MLP activation, e.g. "silu" or "gelu"
 * @param torchDtype the dtype the checkpoint declares ({@code torch_dtype}), e.g. "bfloat16"
 * @param bosTokenId beginning-of-sequence token, if declared
 * @param eosTokenIds end-of-sequence tokens (Llama 3 declares several), possibly empty
 * @param ropeScaling the rotary scaling in HF's {@code rope_scaling} form (empty if none): {@code
 *     rope_type} ("linear", "llama3", "yarn", "dynamic") and its parameters, without {@code
 *     rope_theta}; a transformers-5 {@code rope_parameters} object is read into this and {@link
 *     #ropeTheta}
 * @param slidingWindow tokens a sliding-window layer attends to (the query and the {@code
 *     slidingWindow − 1} before it), 0 when no layer uses a window
 * @param layerTypes per layer, "full_attention" or "sliding_attention" (HF {@code layer_types});
 *     empty means every layer attends fully
 * @param localRopeTheta rotary base of the sliding layers when it differs from {@link #ropeTheta}
 *     (Gemma 3's {@code rope_local_base_freq}; they take no rope scaling); 0 when it does not
 * @param queryPreAttnScalar scores are scaled by {@code 1/√queryPreAttnScalar} (Gemma's {@code
 *     query_pre_attn_scalar}); 0 means {@code headDim}, the usual {@code 1/√headDim}
 * @param finalLogitSoftcap logits become {@code cap·tanh(z/cap)}; 0 for none
 */
public record ModelConfig(
    Architecture architecture,
    String hfClass,
    String modelType,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    int maxPositionEmbeddings,
    double ropeTheta,
    double rotaryPct,
    double normEps,
    boolean tieWordEmbeddings,
    boolean qkvBias,
    boolean attentionOutputBias,
    boolean mlpBias,
    boolean parallelResidual,
    String hiddenAct,
    String torchDtype,
    OptionalInt bosTokenId,
    List<Integer> eosTokenIds,
    Map<String, Object> ropeScaling,
    int slidingWindow,
    List<String> layerTypes,
    double localRopeTheta,
    double queryPreAttnScalar,
    double finalLogitSoftcap) {

  /** {@link #layerTypes} value of a layer with full causal attention. */
  public static final String FULL_ATTENTION = "full_attention";

  /** {@link #layerTypes} value of a layer that attends to the last {@link #slidingWindow} tokens. */
  public static final String SLIDING_ATTENTION = "sliding_attention";

  public ModelConfig {
    Objects.requireNonNull(architecture, "architecture");
    Objects.requireNonNull(hfClass, "hfClass");
    Objects.requireNonNull(modelType, "modelType");
    Objects.requireNonNull(hiddenAct, "hiddenAct");
    Objects.requireNonNull(torchDtype, "torchDtype");
    Objects.requireNonNull(bosTokenId, "bosTokenId");
    eosTokenIds = List.copyOf(eosTokenIds);
    ropeScaling = Map.copyOf(ropeScaling);
    layerTypes = List.copyOf(layerTypes);
    ModelConfigChecks.positive("vocab_size", vocabSize);
    ModelConfigChecks.positive("hidden_size", hiddenSize);
    ModelConfigChecks.positive("intermediate_size", intermediateSize);
    ModelConfigChecks.positive("num_hidden_layers", numLayers);
    ModelConfigChecks.positive("num_attention_heads", numHeads);
    ModelConfigChecks.positive("num_key_value_heads", numKvHeads);
    ModelConfigChecks.positive("head_dim", headDim);
    ModelConfigChecks.positive("max_position_embeddings", maxPositionEmbeddings);
    if (numHeads % numKvHeads != 0) {
      throw new ConfigException(
          "num_attention_heads (" + numHeads + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
    }
    if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
      throw new ConfigException("rope_theta must be positive and finite, got " + ropeTheta);
    }
    if (!(rotaryPct > 0 && rotaryPct <= 1)) {
      throw new ConfigException("rotary_pct must be in (0, 1], got " + rotaryPct);
    }
    if (rotaryDim(headDim, rotaryPct) % 2 != 0 || rotaryDim(headDim, rotaryPct) == 0) {
      throw new ConfigException(
          "rotary dimension (head_dim " + headDim + " x rotary_pct " + rotaryPct + " = "
              + rotaryDim(headDim, rotaryPct) + ") must be even and positive");
    }
    if (!(normEps > 0 && normEps < 1)) {
      throw new ConfigException("norm epsilon must be in (0, 1), got " + normEps);
    }
    if (architecture == Architecture.GPT_NEOX && numKvHeads != numHeads) {
      throw new ConfigException("GPT-NeoX has no grouped-query attention: num_key_value_heads (" + numKvHeads
          + ") must equal num_attention_heads (" + numHeads + ")");
    }
    if (architecture == Architecture.GPT_NEOX && (long) headDim * numHeads != hiddenSize) {
      throw new ConfigException("GPT-NeoX heads must split the hidden size: head_dim " + headDim + " × "
          + numHeads + " heads ≠ hidden_size " + hiddenSize);
    }
    ModelFamily family = ModelFamily.ofModelType(modelType).orElseThrow(() -> new ConfigException(
        "unsupported model_type '" + modelType + "' (supported: " + java.util.Arrays.stream(ModelFamily.values())
            .map(ModelFamily::modelType).toList() + ")"));
    if (!family.hfClass().equals(hfClass) || family.architecture() != architecture) {
      throw new ConfigException("model_type " + modelType + " is " + family.hfClass() + " (" + family.architecture()
          + "), not " + hfClass + " (" + architecture + ")");
    }
    if (architecture == Architecture.LLAMA && parallelResidual) {
      throw new ConfigException("parallel residual is a GPT-NeoX option; Llama blocks are sequential");
    }
    for (int id : eosTokenIds) {
      ModelConfigChecks.tokenId("eos_token_id", id, vocabSize);
    }
    if (bosTokenId.isPresent()) {
      ModelConfigChecks.tokenId("bos_token_id", bosTokenId.getAsInt(), vocabSize);
    }
    ModelConfigChecks.layers(modelType, numLayers, slidingWindow, layerTypes);
    ModelConfigChecks.gemmaExtras(family, localRopeTheta, queryPreAttnScalar, finalLogitSoftcap);
    ModelConfigChecks.familyBiases(family, qkvBias, attentionOutputBias, mlpBias);
  }

  /**
   * Whether layer {@code layer} attends only to the last {@link #slidingWindow} tokens (HF's
   * sliding-window attention); false for every layer of a model without a window.
   */
  public boolean isSlidingLayer(int layer) {
    return !layerTypes.isEmpty() && layerTypes.get(layer).equals(SLIDING_ATTENTION);
  }

  /** Whether any layer uses sliding-window attention. */
  public boolean hasSlidingLayers() {
    return layerTypes.contains(SLIDING_ATTENTION);
  }

  private static int rotaryDim(int headDim, double pct) {
    return (int) (headDim * pct);
  }

  /** The family: tensor names, norm and MLP kinds, q/k normalisation ({@link ModelFamily}). */
  public ModelFamily family() {
    return ModelFamily.ofModelType(modelType).orElseThrow();
  }

  /** The tensor names of {@link #family()}. */
  public TensorNames names() {
    return family().names();
  }

  /**
   * Whether queries and keys are RMS-normalised per head before the rotary embedding, with weights
   * {@code self_attn.q_norm} and {@code k_norm} of {@code headDim} (Qwen3).
   */
  public boolean qkNorm() {
    return family().qkNorm();
  }

  /** The rotary base of layer {@code layer}: {@link #localRopeTheta} on sliding layers where set. */
  public double ropeTheta(int layer) {
    return localRopeTheta > 0 && isSlidingLayer(layer) ? localRopeTheta : ropeTheta;
  }

  /** The factor attention scores are multiplied by: {@code 1/√queryPreAttnScalar}, or {@code 1/√headDim}. */
  public double attentionScale() {
    return 1 / Math.sqrt(queryPreAttnScalar > 0 ? queryPreAttnScalar : headDim);
  }

  /** Channels of each head that rotary embeddings rotate ({@code int(headDim * rotaryPct)}, as HF). */
  public int rotaryDim() {
    return rotaryDim(headDim, rotaryPct);
  }

  /** Query heads that share one key/value head (1 without grouped-query attention). */
  public int queriesPerKvHead() {
    return numHeads / numKvHeads;
  }

  /**
   * The tensors a checkpoint of this configuration holds, in Hugging Face's names, with their
   * shapes, in model order (embedding, blocks, final norm, head). A tied model has no LM head.
   */
  public Map<String, List<Long>> expectedTensors() {
    return HfWeightLayout.expected(this);
  }

  /**
   * Checks tensors found on disk against {@link #expectedTensors()}: every expected tensor present
   * with its shape, nothing else (known non-parameter buffers such as {@code rotary_emb.inv_freq}
   * and, for tied models, a stored copy of the head are tolerated).
   *
   * @param where the checkpoint, for the message
   * @throws ConfigException listing the first missing, unexpected and mis-shaped tensors
   */
  public void verifyTensors(Path where, java.util.Collection<TensorInfo> found) {
    HfWeightLayout.verify(this, where, found);
  }

  /** Whether {@code name} is a non-parameter buffer that older HF checkpoints saved (and readers skip). */
  public static boolean isKnownBuffer(String name) {
    return HfWeightLayout.KNOWN_BUFFERS.matcher(name).matches();
  }

  /** Sum of the elements of {@link #expectedTensors()}. */
  public long parameterCount() {
    long n = 0;
    for (List<Long> shape : expectedTensors().values()) {
      long e = 1;
      for (long d : shape) {
        e *= d;
      }
      n += e;
    }
    return n;
  }

  /**
   * Reads a Hugging Face {@code config.json}.
   *
   * @throws ConfigException naming the file and the missing or invalid field
   */
  public static ModelConfig read(Path configJson) {
    return io.cpt4j.spi.Providers.format().readConfig(configJson);
  }

  /** A builder with the family's Hugging Face defaults (a tiny model: set the sizes you need). */
  public static Builder builder(Architecture architecture) {
    return new Builder(architecture);
  }

  /** A builder holding this configuration, for a modified copy; this value is unchanged. */
  public Builder newBuilder() {
    Builder b = new Builder(architecture);
    b.values.putAll(asMap());
    return b;
  }

  private Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("hfClass", hfClass);
    m.put("modelType", modelType);
    m.put("vocabSize", vocabSize);
    m.put("hiddenSize", hiddenSize);
    m.put("intermediateSize", intermediateSize);
    m.put("numLayers", numLayers);
    m.put("numHeads", numHeads);
    m.put("numKvHeads", numKvHeads);
    m.put("headDim", headDim);
    m.put("maxPositionEmbeddings", maxPositionEmbeddings);
    m.put("ropeTheta", ropeTheta);
    m.put("rotaryPct", rotaryPct);
    m.put("normEps", normEps);
    m.put("tieWordEmbeddings", tieWordEmbeddings);
    m.put("qkvBias", qkvBias);
    m.put("attentionOutputBias", attentionOutputBias);
    m.put("mlpBias", mlpBias);
    m.put("parallelResidual", parallelResidual);
    m.put("hiddenAct", hiddenAct);
    m.put("torchDtype", torchDtype);
    m.put("bosTokenId", bosTokenId);
    m.put("eosTokenIds", eosTokenIds);
    m.put("ropeScaling", ropeScaling);
    m.put("slidingWindow", slidingWindow);
    m.put("layerTypes", layerTypes);
    m.put("localRopeTheta", localRopeTheta);
    m.put("queryPreAttnScalar", queryPreAttnScalar);
    m.put("finalLogitSoftcap", finalLogitSoftcap);
    return m;
  }

  /**
   * Builds a {@link ModelConfig}; unset sizes take small defaults, {@code numKvHeads} defaults to
   * {@code numHeads} and {@code headDim} to {@code hiddenSize / numHeads}. Not thread-safe.
   */
  public static final class Builder {
    private final Architecture architecture;
    private final Map<String, Object> values = new LinkedHashMap<>();

    private Builder(Architecture architecture) {
      this.architecture = Objects.requireNonNull(architecture, "architecture");
      boolean llama = architecture == Architecture.LLAMA;
      values.put("hfClass", llama ? "LlamaForCausalLM" : "GPTNeoXForCausalLM");
      values.put("modelType", llama ? "llama" : "gpt_neox");
      values.put("vocabSize", 256);
      values.put("hiddenSize", 64);
      values.put("intermediateSize", llama ? 172 : 256);
      values.put("numLayers", 2);
      values.put("numHeads", 4);
      values.put("maxPositionEmbeddings", 2048);
      values.put("ropeTheta", 10000.0);
      values.put("rotaryPct", llama ? 1.0 : 0.25);
      values.put("normEps", llama ? 1e-6 : 1e-5);
      values.put("tieWordEmbeddings", false);
      values.put("qkvBias", !llama);
      values.put("attentionOutputBias", !llama);
      values.put("mlpBias", !llama);
      values.put("parallelResidual", !llama);
      values.put("hiddenAct", llama ? "silu" : "gelu");
      values.put("torchDtype", "float32");
      values.put("bosTokenId", OptionalInt.empty());
      values.put("eosTokenIds", List.of());
      values.put("ropeScaling", Map.of());
      values.put("slidingWindow", 0);
      values.put("layerTypes", List.of());
      values.put("localRopeTheta", 0.0);
      values.put("queryPreAttnScalar", 0.0);
      values.put("finalLogitSoftcap", 0.0);
    }

    private Builder set(String key, Object value) {
      values.put(key, Objects.requireNonNull(value, key));
      return this;
    }

    public Builder hfClass(String v) { return set("hfClass", v); }
    public Builder modelType(String v) { return set("modelType", v); }
    public Builder vocabSize(int v) { return set("vocabSize", v); }
    public Builder hiddenSize(int v) { return set("hiddenSize", v); }
    public Builder intermediateSize(int v) { return set("intermediateSize", v); }
    public Builder numLayers(int v) { return set("numLayers", v); }
    public Builder numHeads(int v) { return set("numHeads", v); }
    public Builder numKvHeads(int v) { return set("numKvHeads", v); }
    public Builder headDim(int v) { return set("headDim", v); }
    public Builder maxPositionEmbeddings(int v) { return set("maxPositionEmbeddings", v); }
    public Builder ropeTheta(double v) { return set("ropeTheta", v); }
    public Builder rotaryPct(double v) { return set("rotaryPct", v); }
    public Builder normEps(double v) { return set("normEps", v); }
    public Builder tieWordEmbeddings(boolean v) { return set("tieWordEmbeddings", v); }
    public Builder qkvBias(boolean v) { return set("qkvBias", v); }
    public Builder attentionOutputBias(boolean v) { return set("attentionOutputBias", v); }
    public Builder mlpBias(boolean v) { return set("mlpBias", v); }
    public Builder parallelResidual(boolean v) { return set("parallelResidual", v); }
    public Builder hiddenAct(String v) { return set("hiddenAct", v); }
    public Builder torchDtype(String v) { return set("torchDtype", v); }
    public Builder bosTokenId(int v) { return set("bosTokenId", OptionalInt.of(v)); }
    public Builder eosTokenIds(List<Integer> v) { return set("eosTokenIds", v); }
    public Builder ropeScaling(Map<String, Object> v) { return set("ropeScaling", v); }
    public Builder slidingWindow(int v) { return set("slidingWindow", v); }
    public Builder layerTypes(List<String> v) { return set("layerTypes", v); }
    public Builder localRopeTheta(double v) { return set("localRopeTheta", v); }
    public Builder queryPreAttnScalar(double v) { return set("queryPreAttnScalar", v); }
    public Builder finalLogitSoftcap(double v) { return set("finalLogitSoftcap", v); }

    /**
     * Every layer a sliding-window layer of {@code window} tokens (Mistral's {@code sliding_window});
     * uses the layer count set so far, so call it after {@link #numLayers}.
     */
    public Builder slidingWindowEverywhere(int window) {
      int layers = (Integer) values.get("numLayers");
      return slidingWindow(window).layerTypes(java.util.Collections.nCopies(layers, SLIDING_ATTENTION));
    }

    /**
     * Validates and builds.
     *
     * @throws ConfigException naming the invalid field
     */
    @SuppressWarnings("unchecked")
    public ModelConfig build() {
      int hidden = (Integer) values.get("hiddenSize");
      int heads = (Integer) values.get("numHeads");
      Object headDim = values.get("headDim");
      if (headDim == null && heads > 0 && hidden % heads != 0) {
        throw new ConfigException(
            "hidden_size (" + hidden + ") must be divisible by num_attention_heads (" + heads + ")");
      }
      return new ModelConfig(
          architecture,
          (String) values.get("hfClass"),
          (String) values.get("modelType"),
          (Integer) values.get("vocabSize"),
          hidden,
          (Integer) values.get("intermediateSize"),
          (Integer) values.get("numLayers"),
          heads,
          (Integer) values.getOrDefault("numKvHeads", heads),
          headDim == null ? (heads > 0 ? hidden / heads : 0) : (Integer) headDim,
          (Integer) values.get("maxPositionEmbeddings"),
          (Double) values.get("ropeTheta"),
          (Double) values.get("rotaryPct"),
          (Double) values.get("normEps"),
          (Boolean) values.get("tieWordEmbeddings"),
          (Boolean) values.get("qkvBias"),
          (Boolean) values.get("attentionOutputBias"),
          (Boolean) values.get("mlpBias"),
          (Boolean) values.get("parallelResidual"),
          (String) values.get("hiddenAct"),
          (String) values.get("torchDtype"),
          (OptionalInt) values.get("bosTokenId"),
          (List<Integer>) values.get("eosTokenIds"),
          (Map<String, Object>) values.get("ropeScaling"),
          (Integer) values.get("slidingWindow"),
          (List<String>) values.get("layerTypes"),
          (Double) values.get("localRopeTheta"),
          (Double) values.get("queryPreAttnScalar"),
          (Double) values.get("finalLogitSoftcap"));
    }
  }
}
