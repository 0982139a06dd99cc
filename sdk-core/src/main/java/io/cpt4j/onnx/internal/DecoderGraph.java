package io.cpt4j.onnx.internal;

import static io.cpt4j.onnx.internal.OnnxGraph.FLOAT;
import static io.cpt4j.onnx.internal.OnnxGraph.INT64;
import static io.cpt4j.onnx.internal.OnnxGraph.attr;
import static io.cpt4j.onnx.internal.OnnxGraph.attrs;

import io.cpt4j.checkpoint.ModelFamily;
import io.cpt4j.checkpoint.TensorNames;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.model.internal.Rope;
import io.cpt4j.onnx.OnnxException;
import java.util.List;

/**
 * The decoder of {@code io.cpt4j.model.internal.Decoder} as an ONNX graph, operator for operator:
 * Llama family (RMSNorm, SwiGLU, grouped-query attention, optional q/k/v, output and MLP biases) and
 * GPT-NeoX (LayerNorm, exact GELU, fused per-head q|k|v, partial rotary, parallel or sequential
 * residual). Hidden states are kept as {@code (N = B·S, H)} matrices so every projection is one
 * {@code Gemm} with {@code transB = 1} over the checkpoint's {@code (out, in)} weight, which is stored
 * unchanged under its Hugging Face name (a tied head shares the embedding initializer).
 *
 * <p>Shapes: B rows, S new positions, P cached positions, T = P + S, nh / nkv heads, hd head width,
 * rd rotary width, V vocabulary. Norms and softmax run in float32; with float16 compute the rest is
 * float16 (the logits output is float32 either way).
 */
final class DecoderGraph {
  static final String INPUT_IDS = "input_ids";
  static final String ATTENTION_MASK = "attention_mask";
  static final String POSITION_IDS = "position_ids";
  static final String LOGITS = "logits";

  static String pastKey(int layer) {
    return "past_key_values." + layer + ".key";
  }

  static String pastValue(int layer) {
    return "past_key_values." + layer + ".value";
  }

  static String presentKey(int layer) {
    return "present." + layer + ".key";
  }

  static String presentValue(int layer) {
    return "present." + layer + ".value";
  }

  private final ModelConfig c;
  private final TensorStore weights;
  private final boolean cache;
  private final int ct; // compute element type: FLOAT or FLOAT16
  private final ModelFamily family;
  private final TensorNames names;
  private final OnnxGraph g = new OnnxGraph("cpt4j_decoder");

  // graph-wide values
  private String batch;  // [1] int64: B
  private String seq;    // [1] int64: S
  private String cos;    // (B, 1, S, rd)
  private String sin;    // (B, 1, S, rd)
  private String localCos; // the sliding layers' own tables where their rope base differs (Gemma 3); else cos
  private String localSin;
  private String mask;   // (B, 1, S, T) float32 additive, or (B, 1, 1, S, T) with grouped-query attention
  private String slidingMask; // the same with the window's band, for sliding-window layers

  private DecoderGraph(ModelConfig c, TensorStore weights, boolean cache, int computeType) {
    this.c = c;
    this.weights = weights;
    this.cache = cache;
    this.ct = computeType;
    this.family = c.family();
    this.names = family.names();
  }

  /**
   * Builds the graph for {@code c} over the tensors of {@code weights}.
   *
   * @throws OnnxException if the activation is not the one the family's graph computes
   */
  static OnnxGraph build(ModelConfig c, TensorStore weights, boolean cache, int computeType) {
    boolean gated = c.family().mlp() == ModelFamily.Mlp.GATED;
    String act = c.hiddenAct();
    if (gated ? !(act.equals("silu") || act.equals("swish") || act.equals("gelu_pytorch_tanh")) : !act.equals("gelu")) {
      throw new OnnxException("hidden_act '" + act + "' cannot be exported for " + c.hfClass() + " (supported: "
          + (gated ? "silu" : "gelu, the exact erf form") + ")");
    }
    return new DecoderGraph(c, weights, cache, computeType).build();
  }

  private OnnxGraph build() {
    declareInputsAndOutputs();
    batch = g.node("Shape", "dims", List.of(INPUT_IDS), attr("start", 0L), attr("end", 1L));
    seq = g.node("Shape", "dims", List.of(INPUT_IDS), attr("start", 1L), attr("end", 2L));
    rotaryTables();
    attentionMask();
    String flatIds = g.node("Reshape", "embed", List.of(INPUT_IDS, g.ints(-1)));
    String x = g.node("Gather", "embed", List.of(w(names.embedding() + ".weight"), flatIds), attr("axis", 0L)); // (N, H)
    if (family.scaledEmbedding()) { // Gemma: × √hidden, the scale rounded to float32 as transformers'
      x = g.node("Mul", "embed", List.of(x, g.scalar((float) Math.sqrt(c.hiddenSize()), ct)));
    }
    for (int l = 0; l < c.numLayers(); l++) {
      x = block(l, x);
    }
    String normed = norm("final_norm", x, names.finalNorm());
    String head = (c.tieWordEmbeddings() ? names.embedding() : names.head()) + ".weight";
    String logits = toFloat("lm_head", linearWeight("lm_head", normed, head, null)); // (N, V)
    if (c.finalLogitSoftcap() > 0) { // Gemma: cap·tanh(z/cap)
      float cap = (float) c.finalLogitSoftcap();
      String t = g.node("Tanh", "softcap", List.of(g.node("Div", "softcap", List.of(logits, g.scalar(cap, FLOAT)))));
      logits = g.node("Mul", "softcap", List.of(t, g.scalar(cap, FLOAT)));
    }
    String shape = g.node("Concat", "lm_head", List.of(batch, seq, g.ints(c.vocabSize())), attr("axis", 0L));
    g.nodeNamed("Reshape", LOGITS, List.of(logits, shape)); // (B, S, V)
    return g;
  }

  private void declareInputsAndOutputs() {
    g.input(INPUT_IDS, INT64, "batch_size", "sequence_length");
    g.input(ATTENTION_MASK, INT64, "batch_size", "total_sequence_length");
    g.input(POSITION_IDS, INT64, "batch_size", "sequence_length");
    if (cache) {
      for (int l = 0; l < c.numLayers(); l++) {
        g.input(pastKey(l), ct, "batch_size", (long) c.numKvHeads(), "past_sequence_length", (long) c.headDim());
        g.input(pastValue(l), ct, "batch_size", (long) c.numKvHeads(), "past_sequence_length", (long) c.headDim());
      }
    }
    g.output(LOGITS, FLOAT, "batch_size", "sequence_length", (long) c.vocabSize());
    if (cache) {
      for (int l = 0; l < c.numLayers(); l++) {
        g.output(presentKey(l), ct, "batch_size", (long) c.numKvHeads(), "total_sequence_length", (long) c.headDim());
        g.output(presentValue(l), ct, "batch_size", (long) c.numKvHeads(), "total_sequence_length",
            (long) c.headDim());
      }
    }
  }

  /** cos and sin of position · inverse frequency, halves repeated as HF's cat(freqs, freqs). */
  private void rotaryTables() {
    String[] global = rotaryTables("rope", false);
    cos = global[0];
    sin = global[1];
    String[] local = c.localRopeTheta() > 0 ? rotaryTables("rope_local", true) : global;
    localCos = local[0];
    localSin = local[1];
  }

  private String[] rotaryTables(String name, boolean local) {
    double[] inv = Rope.inverseFrequencies(c, local);
    float[] invF = new float[inv.length];
    for (int i = 0; i < inv.length; i++) {
      invF[i] = (float) inv[i];
    }
    String pos = g.node("Cast", name, List.of(POSITION_IDS), attr("to", (long) FLOAT));
    pos = g.node("Unsqueeze", name, List.of(pos, g.ints(2))); // (B, S, 1)
    String freqs = g.node("Mul", name, List.of(pos, g.floats(FLOAT, new long[] {inv.length}, invF)));
    String angles = g.node("Concat", name, List.of(freqs, freqs), attr("axis", -1L)); // (B, S, rd)
    String cosF = g.node("Cos", name, List.of(angles));
    String sinF = g.node("Sin", name, List.of(angles));
    double scaling = Rope.attentionScaling(c, local);
    if (scaling != 1.0) { // yarn: cos and sin scaled in float32, as transformers
      String factor = g.floats(FLOAT, new long[] {1}, new float[] {(float) scaling});
      cosF = g.node("Mul", name, List.of(cosF, factor));
      sinF = g.node("Mul", name, List.of(sinF, factor));
    }
    return new String[] {g.node("Unsqueeze", name, List.of(toCompute(name, cosF), g.ints(1))),
        g.node("Unsqueeze", name, List.of(toCompute(name, sinF), g.ints(1)))};
  }

  /**
   * Additive mask: query i (absolute position P + i, P = T − S) sees key j iff j ≤ P + i and
   * attention_mask[b, j] = 1. Blocked entries get float32's lowest value rather than −∞, so a fully
   * masked (padding) query row stays finite instead of turning into NaN that would reach real rows
   * through 0 · NaN in the value product.
   */
  private void attentionMask() {
    String total = g.node("Shape", "mask", List.of(ATTENTION_MASK), attr("start", 1L), attr("end", 2L));
    String past = g.node("Sub", "mask", List.of(total, seq));
    String zero = g.scalarInt(0);
    String one = g.scalarInt(1);
    String s = g.node("Squeeze", "mask", List.of(seq, g.ints(0)));
    String t = g.node("Squeeze", "mask", List.of(total, g.ints(0)));
    String queries = g.node("Add", "mask", List.of(g.node("Range", "mask", List.of(zero, s, one)), past)); // (S)
    String keys = g.node("Range", "mask", List.of(zero, t, one)); // (T)
    String causal = g.node("LessOrEqual", "mask", List.of(g.node("Unsqueeze", "mask", List.of(keys, g.ints(0))),
        g.node("Unsqueeze", "mask", List.of(queries, g.ints(1))))); // (S, T)
    String padding = g.node("Cast", "mask", List.of(ATTENTION_MASK), attr("to", (long) OnnxGraph.BOOL));
    padding = g.node("Unsqueeze", "mask", List.of(padding, g.ints(1, 2))); // (B, 1, 1, T)
    mask = additive(g.node("And", "mask", List.of(causal, padding))); // (B, 1, S, T)
    if (c.hasSlidingLayers()) { // key j is in query i's window iff j > P + i − W
      String start = g.node("Sub", "mask", List.of(queries, g.scalarInt(c.slidingWindow())));
      String inWindow = g.node("Greater", "mask", List.of(g.node("Unsqueeze", "mask", List.of(keys, g.ints(0))),
          g.node("Unsqueeze", "mask", List.of(start, g.ints(1))))); // (S, T)
      String banded = g.node("And", "mask", List.of(causal, inWindow));
      slidingMask = additive(g.node("And", "mask", List.of(banded, padding)));
    }
  }

  private String additive(String allowed) {
    String m = g.node("Where", "mask", List.of(allowed, g.scalar(0f, FLOAT), g.scalar(-Float.MAX_VALUE, FLOAT)));
    if (c.numKvHeads() != c.numHeads()) {
      m = g.node("Unsqueeze", "mask", List.of(m, g.ints(2))); // (B, 1, 1, S, T)
    }
    return m;
  }

  // ------------------------------------------------------------------ blocks

  private String block(int l, String x) {
    String p = names.layer(l);
    String n = "layers." + l;
    String attn = attention(l, p, norm(n + "/input_norm", x, p + names.inputNorm()));
    if (family.sandwichNorms()) { // Gemma: each sublayer's output normalised before its residual add
      String h = add(n, x, norm(n + "/attention_out_norm", attn, p + names.attentionOutNorm()));
      String mlp = mlp(n, p, norm(n + "/pre_mlp_norm", h, p + names.preMlpNorm()));
      return add(n, h, norm(n + "/mlp_out_norm", mlp, p + names.mlpOutNorm()));
    }
    if (c.parallelResidual()) {
      String mlp = mlp(n, p, norm(n + "/post_attention_norm", x, p + names.preMlpNorm()));
      return add(n, add(n, x, attn), mlp);
    }
    String h = add(n, x, attn);
    return add(n, h, mlp(n, p, norm(n + "/post_attention_norm", h, p + names.preMlpNorm())));
  }

  private String attention(int l, String p, String x) {
    String n = "layers." + l + "/attn";
    int hd = c.headDim();
    int nh = c.numHeads();
    int nkv = c.numKvHeads();
    String q;
    String k;
    String v;
    if (!family.fusedQkv()) {
      q = heads(n, linear(n, x, p + names.query(), c.qkvBias()), nh);
      k = heads(n, linear(n, x, p + names.key(), c.qkvBias()), nkv);
      v = heads(n, linear(n, x, p + names.value(), c.qkvBias()), nkv);
      if (family.qkNorm()) { // Qwen3: RMSNorm over each head before the rotation
        q = norm(n + "/q_norm", q, p + names.queryNorm());
        k = norm(n + "/k_norm", k, p + names.keyNorm());
      }
    } else { // fused, per head [q | k | v] as HF's view(B, T, nh, 3·hd)
      String qkv = linear(n, x, p + names.fusedQkv(), c.qkvBias());
      String shape = g.node("Concat", n, List.of(batch, seq, g.ints(nh, 3L * hd)), attr("axis", 0L));
      qkv = g.node("Reshape", n, List.of(qkv, shape)); // (B, S, nh, 3·hd)
      q = g.node("Transpose", n, List.of(slice(n, qkv, 0, hd, 3)), attrs("perm", 0, 2, 1, 3));
      k = g.node("Transpose", n, List.of(slice(n, qkv, hd, 2 * hd, 3)), attrs("perm", 0, 2, 1, 3));
      v = g.node("Transpose", n, List.of(slice(n, qkv, 2 * hd, 3 * hd, 3)), attrs("perm", 0, 2, 1, 3));
    }
    boolean sliding = c.isSlidingLayer(l);
    q = rotate(n, q, sliding); // (B, nh, S, hd)
    k = rotate(n, k, sliding); // (B, nkv, S, hd)
    if (cache) {
      g.nodeNamed("Concat", presentKey(l), List.of(pastKey(l), k), attr("axis", 2L));
      g.nodeNamed("Concat", presentValue(l), List.of(pastValue(l), v), attr("axis", 2L));
      k = presentKey(l); // (B, nkv, T, hd)
      v = presentValue(l);
    }
    // q scaled by 1/√hd before the product, as the decoder does
    String scaled = g.node("Mul", n, List.of(q, g.scalar((float) c.attentionScale(), ct)));
    boolean grouped = nkv != nh;
    String keysT;
    if (grouped) { // query head j·g + i uses kv head j: (B, nkv, g, S, hd) against (B, nkv, 1, hd, T)
      scaled = g.node("Reshape", n, List.of(scaled, g.ints(0, nkv, c.queriesPerKvHead(), -1, hd)));
      keysT = g.node("Transpose", n, List.of(g.node("Unsqueeze", n, List.of(k, g.ints(2)))), attrs("perm", 0, 1, 2, 4, 3));
      v = g.node("Unsqueeze", n, List.of(v, g.ints(2)));
    } else {
      keysT = g.node("Transpose", n, List.of(k), attrs("perm", 0, 1, 3, 2));
    }
    String scores = toFloat(n, g.node("MatMul", n, List.of(scaled, keysT)));
    String probs = g.node("Softmax", n, List.of(g.node("Add", n, List.of(scores, c.isSlidingLayer(l) ? slidingMask : mask))), attr("axis", -1L));
    String out = g.node("MatMul", n, List.of(toCompute(n, probs), v));
    if (grouped) {
      out = g.node("Reshape", n, List.of(out, g.ints(0, nh, -1, hd))); // (B, nh, S, hd)
    }
    out = g.node("Transpose", n, List.of(out), attrs("perm", 0, 2, 1, 3)); // (B, S, nh, hd)
    out = g.node("Reshape", n, List.of(out, g.ints(-1, (long) nh * hd))); // (N, nh·hd)
    return linear(n, out, p + names.attentionOut(), c.attentionOutputBias());
  }

  /** (N, heads·hd) → (B, heads, S, hd). */
  private String heads(String n, String x, int heads) {
    String shape = g.node("Concat", n, List.of(batch, seq, g.ints(heads, c.headDim())), attr("axis", 0L));
    return g.node("Transpose", n, List.of(g.node("Reshape", n, List.of(x, shape))), attrs("perm", 0, 2, 1, 3));
  }

  /** Rotary embedding of the first rd channels: x·cos + rotate_half(x)·sin. */
  private String rotate(String n, String x, boolean sliding) {
    String cos = sliding ? localCos : this.cos;
    String sin = sliding ? localSin : this.sin;
    int rd = c.rotaryDim();
    int half = rd / 2;
    boolean partial = rd < c.headDim();
    String rot = partial ? slice(n, x, 0, rd, 3) : x;
    String x1 = slice(n, rot, 0, half, 3);
    String x2 = slice(n, rot, half, rd, 3);
    String rotated = g.node("Concat", n, List.of(g.node("Neg", n, List.of(x2)), x1), attr("axis", 3L));
    String embedded = g.node("Add", n, List.of(g.node("Mul", n, List.of(rot, cos)),
        g.node("Mul", n, List.of(rotated, sin))));
    return partial ? g.node("Concat", n, List.of(embedded, slice(n, x, rd, c.headDim(), 3)), attr("axis", 3L))
        : embedded;
  }

  private String mlp(String layer, String p, String x) {
    String n = layer + "/mlp";
    if (family.mlp() == ModelFamily.Mlp.GATED) {
      String gate = linear(n, x, p + names.gate(), c.mlpBias());
      String up = linear(n, x, p + names.up(), c.mlpBias());
      String act = c.hiddenAct().equals("gelu_pytorch_tanh") ? geluTanh(n, gate)
          : g.node("Mul", n, List.of(gate, g.node("Sigmoid", n, List.of(gate))));
      return linear(n, g.node("Mul", n, List.of(act, up)), p + names.down(), c.mlpBias());
    }
    String h = linear(n, x, p + names.up(), c.mlpBias());
    // exact GELU as torch: x · 0.5 · (1 + erf(x · 1/√2))
    String erf = g.node("Erf", n, List.of(g.node("Mul", n, List.of(h, g.scalar((float) (1 / Math.sqrt(2)), ct)))));
    String gelu = g.node("Mul", n, List.of(g.node("Mul", n, List.of(h, g.scalar(0.5f, ct))),
        g.node("Add", n, List.of(erf, g.scalar(1f, ct)))));
    return linear(n, gelu, p + names.down(), c.mlpBias());
  }

  /** The family's norm of {@code x} with the tensors named {@code name} (weight, and bias for LayerNorm). */
  private String norm(String n, String x, String name) {
    return switch (family.norm()) {
      case RMS -> rmsNorm(n, x, name + ".weight");
      case RMS_PLUS_ONE -> rmsNormPlusOne(n, x, name + ".weight");
      case LAYER_NORM -> layerNorm(n, x, name);
    };
  }

  /** Gemma's RMSNorm: {@code (x/rms(x))·(1 + w)} all in float32, then cast to the compute type. */
  private String rmsNormPlusOne(String n, String x, String weight) {
    String x32 = toFloat(n, x);
    String variance = g.node("ReduceMean", n, List.of(g.node("Mul", n, List.of(x32, x32))), attrs("axes", -1),
        attr("keepdims", 1L));
    String std = g.node("Sqrt", n, List.of(g.node("Add", n, List.of(variance, g.scalar((float) c.normEps(), FLOAT)))));
    String onePlus = g.node("Add", n, List.of(toFloat(n, w(weight)), g.scalar(1f, FLOAT)));
    return toCompute(n, g.node("Mul", n, List.of(g.node("Div", n, List.of(x32, std)), onePlus)));
  }

  /** torch's {@code gelu(approximate="tanh")}: {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}. */
  private String geluTanh(String n, String x) {
    String cube = g.node("Mul", n, List.of(g.node("Mul", n, List.of(x, x)), x));
    String inner = g.node("Add", n, List.of(x, g.node("Mul", n, List.of(cube, g.scalar(0.044715f, ct)))));
    String t = g.node("Tanh", n, List.of(g.node("Mul", n, List.of(inner, g.scalar((float) Math.sqrt(2 / Math.PI), ct)))));
    return g.node("Mul", n, List.of(g.node("Mul", n, List.of(x, g.scalar(0.5f, ct))),
        g.node("Add", n, List.of(t, g.scalar(1f, ct)))));
  }

  // ------------------------------------------------------------------ pieces

  /** x·Wᵀ + b as one Gemm over the (out, in) weight. */
  private String linear(String n, String x, String name, boolean bias) {
    return linearWeight(n, x, name + ".weight", bias ? name + ".bias" : null);
  }

  private String linearWeight(String n, String x, String weight, String bias) {
    List<String> in = bias == null ? List.of(x, w(weight)) : List.of(x, w(weight), w(bias));
    return g.node("Gemm", n, in, attr("transB", 1L));
  }

  /** RMSNorm in float32 (as HF), cast back, times the weight. */
  private String rmsNorm(String n, String x, String weight) {
    String x32 = toFloat(n, x);
    String variance = g.node("ReduceMean", n, List.of(g.node("Mul", n, List.of(x32, x32))), attrs("axes", -1),
        attr("keepdims", 1L));
    String std = g.node("Sqrt", n, List.of(g.node("Add", n, List.of(variance, g.scalar((float) c.normEps(), FLOAT)))));
    String normed = toCompute(n, g.node("Div", n, List.of(x32, std)));
    return g.node("Mul", n, List.of(normed, w(weight)));
  }

  /** LayerNorm with weight and bias over the last axis, in float32. */
  private String layerNorm(String n, String x, String name) {
    String weight = toFloat(n, w(name + ".weight"));
    String bias = toFloat(n, w(name + ".bias"));
    String out = g.node("LayerNormalization", n, List.of(toFloat(n, x), weight, bias), attr("axis", -1L),
        attr("epsilon", (float) c.normEps()));
    return toCompute(n, out);
  }

  private String add(String n, String a, String b) {
    return g.node("Add", n, List.of(a, b));
  }

  private String slice(String n, String x, long from, long to, long axis) {
    return g.node("Slice", n, List.of(x, g.ints(from), g.ints(to), g.ints(axis)));
  }

  /** A compute-type value as float32 (itself in a float32 graph). */
  private String toFloat(String n, String x) {
    return ct == FLOAT ? x : g.node("Cast", n, List.of(x), attr("to", (long) FLOAT));
  }

  /** A float32 value in the compute type (itself in a float32 graph). */
  private String toCompute(String n, String x) {
    return ct == FLOAT ? x : g.node("Cast", n, List.of(x), attr("to", (long) ct));
  }

  private String w(String name) {
    return g.weight(weights.tensor(name), ct);
  }
}
