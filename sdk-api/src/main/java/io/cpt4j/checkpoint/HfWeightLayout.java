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
    ModelFamily f = c.family();
    TensorNames n = f.names();
    long h = c.hiddenSize();
    long v = c.vocabSize();
    long i = c.intermediateSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKvHeads() * c.headDim();
    boolean layerNorm = f.norm() == ModelFamily.Norm.LAYER_NORM;
    m.put(n.embedding() + ".weight", List.of(v, h));
    for (int l = 0; l < c.numLayers(); l++) {
      String p = n.layer(l);
      norm(m, p + n.inputNorm(), h, layerNorm);
      if (layerNorm) { // GPT-NeoX's order: both norms first, as its checkpoints list them
        norm(m, p + n.preMlpNorm(), h, true);
      }
      if (f.fusedQkv()) {
        linear(m, p + n.fusedQkv(), q + 2 * kv, h, c.qkvBias());
      } else {
        linear(m, p + n.query(), q, h, c.qkvBias());
        linear(m, p + n.key(), kv, h, c.qkvBias());
        linear(m, p + n.value(), kv, h, c.qkvBias());
      }
      linear(m, p + n.attentionOut(), h, q, c.attentionOutputBias());
      if (f.qkNorm()) {
        m.put(p + n.queryNorm() + ".weight", List.of((long) c.headDim()));
        m.put(p + n.keyNorm() + ".weight", List.of((long) c.headDim()));
      }
      if (f.sandwichNorms()) {
        norm(m, p + n.attentionOutNorm(), h, false);
      }
      if (!layerNorm) {
        norm(m, p + n.preMlpNorm(), h, false);
      }
      if (f.mlp() == ModelFamily.Mlp.GATED) {
        linear(m, p + n.gate(), i, h, c.mlpBias());
      }
      linear(m, p + n.up(), i, h, c.mlpBias());
      linear(m, p + n.down(), h, i, c.mlpBias());
      if (f.sandwichNorms()) {
        norm(m, p + n.mlpOutNorm(), h, false);
      }
    }
    norm(m, n.finalNorm(), h, layerNorm);
    if (!c.tieWordEmbeddings()) {
      m.put(n.head() + ".weight", List.of(v, h));
    }
    return Collections.unmodifiableMap(m);
  }

  private static void norm(Map<String, List<Long>> m, String prefix, long h, boolean bias) {
    m.put(prefix + ".weight", List.of(h));
    if (bias) {
      m.put(prefix + ".bias", List.of(h));
    }
  }

  /** Name of the output head that a tied checkpoint may still carry (a copy of the embedding). */
  static Set<String> optionalTiedHead(ModelConfig c) {
    if (!c.tieWordEmbeddings()) {
      return Set.of();
    }
    return Set.of(c.names().head() + ".weight");
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
