package io.cpt4j.checkpoint;

/**
 * A family's Hugging Face tensor names: the whole-model tensors, and per layer the names after the
 * layer's prefix ({@link #layer(int)}), without the {@code .weight}/{@code .bias} suffix. Names a
 * family does not have are null (e.g. {@code query} in a fused GPT-NeoX layer). Immutable.
 *
 * @param embedding the token embedding, e.g. {@code model.embed_tokens}
 * @param head the LM head ({@code lm_head}); absent from tied checkpoints
 * @param finalNorm the norm before the head
 * @param layers the layer prefix before the index, e.g. {@code model.layers.}
 * @param inputNorm the norm before attention
 * @param preMlpNorm the norm before the MLP ({@code post_attention_layernorm} in Llama)
 * @param attentionOutNorm the norm of the attention output before the residual (Gemma's sandwich), or null
 * @param mlpOutNorm the norm of the MLP output before the residual (Gemma), or null
 * @param query separate query projection, or null when fused
 * @param key separate key projection, or null when fused
 * @param value separate value projection, or null when fused
 * @param fusedQkv the fused query/key/value projection, or null
 * @param attentionOut the attention output projection
 * @param queryNorm per-head query norm (q/k normalisation), or null
 * @param keyNorm per-head key norm, or null
 * @param gate the gate projection of a gated MLP, or null
 * @param up the up (or first) MLP projection
 * @param down the down (or second) MLP projection
 */
public record TensorNames(
    String embedding,
    String head,
    String finalNorm,
    String layers,
    String inputNorm,
    String preMlpNorm,
    String attentionOutNorm,
    String mlpOutNorm,
    String query,
    String key,
    String value,
    String fusedQkv,
    String attentionOut,
    String queryNorm,
    String keyNorm,
    String gate,
    String up,
    String down) {

  /** The prefix of layer {@code index}'s tensors, e.g. {@code model.layers.3.}. */
  public String layer(int index) {
    return layers + index + ".";
  }

  /** The weight of a whole-model tensor or a layer-relative one: {@code name + ".weight"}. */
  public static String weight(String name) {
    return name + ".weight";
  }

  static final TensorNames LLAMA = new TensorNames("model.embed_tokens", "lm_head", "model.norm", "model.layers.",
      "input_layernorm", "post_attention_layernorm", null, null, "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
      null, "self_attn.o_proj", "self_attn.q_norm", "self_attn.k_norm", "mlp.gate_proj", "mlp.up_proj",
      "mlp.down_proj");

  static final TensorNames GEMMA3 = new TensorNames("model.embed_tokens", "lm_head", "model.norm", "model.layers.",
      "input_layernorm", "pre_feedforward_layernorm", "post_attention_layernorm", "post_feedforward_layernorm",
      "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", null, "self_attn.o_proj", "self_attn.q_norm",
      "self_attn.k_norm", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

  static final TensorNames GPT_NEOX = new TensorNames("gpt_neox.embed_in", "embed_out", "gpt_neox.final_layer_norm",
      "gpt_neox.layers.", "input_layernorm", "post_attention_layernorm", null, null, null, null, null,
      "attention.query_key_value", "attention.dense", null, null, null, "mlp.dense_h_to_4h", "mlp.dense_4h_to_h");
}
