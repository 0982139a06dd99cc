package io.cpt4j.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Hugging Face tensor names and shapes per family: the one table that maps a {@link ModelConfig}
 * onto the files (LitGPT keeps the same kind of table per family).
 */
final class HfWeightLayout {
  private HfWeightLayout() {}

  /**
   * Buffers that older HF checkpoints saved beside the weights (causal masks, rotary inverse
   * frequencies). They are not parameters: readers skip them.
   */
  static final Pattern KNOWN_BUFFERS =
      Pattern.compile(".*\\.(rotary_emb\\.inv_freq|attention\\.bias|attention\\.masked_bias)");

  static Map<String, List<Long>> expected(ModelConfig c) {
    Map<String, List<Long>> m = new LinkedHashMap<>();
    long h = c.hiddenSize();
    long v = c.vocabSize();
    long i = c.intermediateSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKvHeads() * c.headDim();
    if (c.architecture() == Architecture.LLAMA) {
      m.put("model.embed_tokens.weight", List.of(v, h));
      for (int l = 0; l < c.numLayers(); l++) {
        String p = "model.layers." + l + ".";
        m.put(p + "input_layernorm.weight", List.of(h));
        linear(m, p + "self_attn.q_proj", q, h, c.qkvBias());
        linear(m, p + "self_attn.k_proj", kv, h, c.qkvBias());
        linear(m, p + "self_attn.v_proj", kv, h, c.qkvBias());
        linear(m, p + "self_attn.o_proj", h, q, c.attentionOutputBias());
        if (c.qkNorm()) {
          m.put(p + "self_attn.q_norm.weight", List.of((long) c.headDim()));
          m.put(p + "self_attn.k_norm.weight", List.of((long) c.headDim()));
        }
        m.put(p + "post_attention_layernorm.weight", List.of(h));
        linear(m, p + "mlp.gate_proj", i, h, c.mlpBias());
        linear(m, p + "mlp.up_proj", i, h, c.mlpBias());
        linear(m, p + "mlp.down_proj", h, i, c.mlpBias());
      }
      m.put("model.norm.weight", List.of(h));
      if (!c.tieWordEmbeddings()) {
        m.put("lm_head.weight", List.of(v, h));
      }
    } else {
      m.put("gpt_neox.embed_in.weight", List.of(v, h));
      for (int l = 0; l < c.numLayers(); l++) {
        String p = "gpt_neox.layers." + l + ".";
        m.put(p + "input_layernorm.weight", List.of(h));
        m.put(p + "input_layernorm.bias", List.of(h));
        m.put(p + "post_attention_layernorm.weight", List.of(h));
        m.put(p + "post_attention_layernorm.bias", List.of(h));
        linear(m, p + "attention.query_key_value", q + 2 * kv, h, c.qkvBias());
        linear(m, p + "attention.dense", h, q, c.attentionOutputBias());
        linear(m, p + "mlp.dense_h_to_4h", i, h, c.mlpBias());
        linear(m, p + "mlp.dense_4h_to_h", h, i, c.mlpBias());
      }
      m.put("gpt_neox.final_layer_norm.weight", List.of(h));
      m.put("gpt_neox.final_layer_norm.bias", List.of(h));
      if (!c.tieWordEmbeddings()) {
        m.put("embed_out.weight", List.of(v, h));
      }
    }
    return Collections.unmodifiableMap(m);
  }

  /** Name of the output head that a tied checkpoint may still carry (a copy of the embedding). */
  static Set<String> optionalTiedHead(ModelConfig c) {
    if (!c.tieWordEmbeddings()) {
      return Set.of();
    }
    return Set.of(c.architecture() == Architecture.LLAMA ? "lm_head.weight" : "embed_out.weight");
  }

  static void verify(ModelConfig c, java.nio.file.Path where, java.util.Collection<TensorInfo> found) {
    Map<String, List<Long>> expected = expected(c);
    Set<String> tiedHead = optionalTiedHead(c);
    List<String> missing = new java.util.ArrayList<>();
    List<String> extra = new java.util.ArrayList<>();
    List<String> misShaped = new java.util.ArrayList<>();
    Map<String, TensorInfo> byName = new LinkedHashMap<>();
    for (TensorInfo t : found) {
      byName.put(t.name(), t);
    }
    for (Map.Entry<String, List<Long>> e : expected.entrySet()) {
      TensorInfo t = byName.get(e.getKey());
      if (t == null) {
        missing.add(e.getKey());
      } else if (!t.shape().equals(e.getValue())) {
        misShaped.add(e.getKey() + " is " + t.shape() + ", expected " + e.getValue());
      }
    }
    for (TensorInfo t : found) {
      String n = t.name();
      if (expected.containsKey(n) || KNOWN_BUFFERS.matcher(n).matches()) {
        continue;
      }
      if (tiedHead.contains(n)) {
        List<Long> vh = List.of((long) c.vocabSize(), (long) c.hiddenSize());
        if (!t.shape().equals(vh)) {
          misShaped.add(n + " is " + t.shape() + ", expected " + vh);
        }
        continue;
      }
      extra.add(n);
    }
    if (missing.isEmpty() && extra.isEmpty() && misShaped.isEmpty()) {
      return;
    }
    StringBuilder msg = new StringBuilder("tensors do not match config.json (" + c.hfClass() + ")");
    describe(msg, "missing", missing);
    describe(msg, "unexpected", extra);
    describe(msg, "wrong shape", misShaped);
    throw new ConfigException(where, msg.toString());
  }

  private static void describe(StringBuilder msg, String what, List<String> items) {
    if (items.isEmpty()) {
      return;
    }
    msg.append("; ").append(items.size()).append(' ').append(what).append(": ");
    msg.append(String.join(", ", items.subList(0, Math.min(5, items.size()))));
    if (items.size() > 5) {
      msg.append(", …");
    }
  }

  private static void linear(Map<String, List<Long>> m, String prefix, long out, long in, boolean bias) {
    m.put(prefix + ".weight", List.of(out, in));
    if (bias) {
      m.put(prefix + ".bias", List.of(out));
    }
  }
}
