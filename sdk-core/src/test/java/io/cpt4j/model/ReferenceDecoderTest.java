package io.cpt4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.backend.Batch;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * End-to-end logits of 1-layer models small enough to follow by hand; each expected value is
 * derived in the comments from HF's definitions and recomputed here with textbook formulas (only
 * GELU is borrowed from {@link ReferenceOps}, itself checked against published values).
 */
class ReferenceDecoderTest {
  private static final double EPS = 0.25; // large on purpose: an epsilon in the wrong place shows
  private static final double S = 1 / Math.sqrt(1 + EPS); // norm scale of a vector with mean square 1

  private static Batch twoTokens(int first, int second) {
    return new Batch(1, 2, new int[] {first, second}, new int[] {second, Batch.IGNORE}, new float[] {1, 1}, new int[2]);
  }

  /** Floats from doubles that are all exactly representable (so that the hand values hold exactly). */
  private static float[] f(double... v) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) v[i];
      if (out[i] != v[i]) {
        throw new IllegalArgumentException(v[i] + " is not a float");
      }
    }
    return out;
  }

  private static double[] rms(double[] x, double... w) {
    double ms = 0;
    for (double v : x) {
      ms += v * v / x.length;
    }
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i] / Math.sqrt(ms + EPS) * w[i];
    }
    return y;
  }

  private static double[] ln(double[] x, double[] w, double[] b) {
    int n = x.length;
    double mean = 0;
    for (double v : x) {
      mean += v / n;
    }
    double var = 0;
    for (double v : x) {
      var += (v - mean) * (v - mean) / n;
    }
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = (x[i] - mean) / Math.sqrt(var + EPS) * w[i] + b[i];
    }
    return y;
  }

  private static double[] plus(double[] a, double... b) {
    double[] s = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      s[i] = a[i] + b[i];
    }
    return s;
  }

  private static double[] times(double k, double[] a) {
    double[] s = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      s[i] = k * a[i];
    }
    return s;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /** The plane rotation by +θ, [a cos θ − b sin θ, b cos θ + a sin θ]. */
  private static double[] turn(double[] v, double theta) {
    return new double[] {v[0] * Math.cos(theta) - v[1] * Math.sin(theta), v[1] * Math.cos(theta) + v[0] * Math.sin(theta)};
  }

  private static double[] concat(double[] a, double[] b) {
    double[] c = new double[a.length + b.length];
    System.arraycopy(a, 0, c, 0, a.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  @Test
  void aOneHeadLlamaOfWidthTwoGivesTheLogitsWorkedOutByHand() {
    // vocab 3, hidden 2, one head of width 2 (inv_freq [1]: position 1 turns q and k by 1 rad),
    // intermediate 1, RMSNorm eps 0.25, biases on q, k, v and o, none on the MLP.
    ModelConfig c = ModelConfig.builder(Architecture.LLAMA).vocabSize(3).hiddenSize(2).intermediateSize(1)
        .numLayers(1).numHeads(1).normEps(EPS).qkvBias(true).attentionOutputBias(true).build();
    Map<String, float[]> w = new HashMap<>();
    w.put("model.embed_tokens.weight", f(1, 1, 1, -1, 0, 0)); // e0 = [1, 1], e1 = [1, -1]: mean square 1
    String p = "model.layers.0.";
    w.put(p + "input_layernorm.weight", f(1, 1));
    for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
      w.put(p + "self_attn." + proj + ".weight", f(1, 0, 0, 1));
    }
    double[] bq = {0.5, 0};
    double[] bk = {0, 0.25};
    double[] bv = {0.125, 0};
    double[] bo = {0.375, 0};
    w.put(p + "self_attn.q_proj.bias", f(bq));
    w.put(p + "self_attn.k_proj.bias", f(bk));
    w.put(p + "self_attn.v_proj.bias", f(bv));
    w.put(p + "self_attn.o_proj.bias", f(bo));
    w.put(p + "post_attention_layernorm.weight", f(1, 1));
    w.put(p + "mlp.gate_proj.weight", f(1, 0)); // gate = h[0]
    w.put(p + "mlp.up_proj.weight", f(0, 1)); // up = h[1]
    w.put(p + "mlp.down_proj.weight", f(1, 0)); // [silu(h0)·h1, 0]
    w.put("model.norm.weight", f(2, 0.5));
    w.put("lm_head.weight", f(1, 0, 0, 1, 1, 1)); // logits [x0, x1, x0 + x1]

    double[] e0 = {1, 1};
    double[] e1 = {1, -1};
    double[] n0 = times(S, e0); // RMSNorm of a mean-square-1 vector: x / √(1 + eps)
    double[] n1 = times(S, e1);
    double[] q1 = plus(n1, bq);
    double[] k0 = plus(n0, bk);
    double[] k1 = plus(n1, bk);
    double[] v0 = plus(n0, bv);
    double[] v1 = plus(n1, bv);
    // position 0 sees itself only: its output is v0 whatever q, k and the rotation
    double[] a0 = v0;
    // position 1: q1, k1 turned by 1 rad, k0 not at all; rotations keep q1·k1; scale 1/√2
    double s10 = dot(turn(q1, 1), k0) / Math.sqrt(2);
    double s11 = dot(q1, k1) / Math.sqrt(2);
    double p0 = 1 / (1 + Math.exp(s11 - s10));
    double[] a1 = plus(times(p0, v0), times(1 - p0, v1));
    double[] h0 = plus(e0, plus(a0, bo));
    double[] h1 = plus(e1, plus(a1, bo));
    double[] x0 = plus(h0, mlp(rms(h0, 1, 1)), 0);
    double[] x1 = plus(h1, mlp(rms(h1, 1, 1)), 0);
    double[] f0 = rms(x0, 2, 0.5);
    double[] f1 = rms(x1, 2, 0.5);

    double[] logits = ReferenceDecoder.logits(c, w::get, twoTokens(0, 1));
    assertThat(logits).containsExactly(new double[] {f0[0], f0[1], f0[0] + f0[1], f1[0], f1[1], f1[0] + f1[1]},
        within(1e-14));
    // the rotation matters: without it (or turned the other way) position 1 would differ
    double p0Unturned = 1 / (1 + Math.exp(s11 - dot(q1, k0) / Math.sqrt(2)));
    assertThat(p0).isNotCloseTo(p0Unturned, within(1e-3));
  }

  /** SiLU gated MLP of the hand model: [silu(h0) · h1, 0] with silu(x) = x / (1 + e^-x). */
  private static double mlp(double[] h) {
    return h[0] / (1 + Math.exp(-h[0])) * h[1];
  }

  private static Map<String, float[]> neoxCommon(ModelConfig c) {
    Map<String, float[]> w = new HashMap<>();
    // e0 = [1, -1, 1, -1], e1 = [1, 1, -1, -1]: mean 0, variance 1, so LayerNorm(e) = S·e
    w.put("gpt_neox.embed_in.weight", f(1, -1, 1, -1, 1, 1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0));
    String p = "gpt_neox.layers.0.";
    w.put(p + "input_layernorm.weight", f(1, 1, 1, 1));
    w.put(p + "input_layernorm.bias", f(0, 0, 0, 0));
    w.put(p + "attention.dense.weight", f(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1));
    w.put(p + "mlp.dense_h_to_4h.bias", f(0));
    w.put(p + "mlp.dense_4h_to_h.bias", f(0, 0, 0, 0));
    w.put("embed_out.weight", w.get(p + "attention.dense.weight")); // identity: logits = final LayerNorm
    return w;
  }

  private static final double[] E0 = {1, -1, 1, -1};
  private static final double[] E1 = {1, 1, -1, -1};

  @Test
  void aNeoxHeadWithRotaryPctOneHalfTurnsOnlyItsFirstTwoChannels() {
    // vocab 4, hidden 4, one head of width 4, rotary_pct 0.5 → rotary dim 2 (inv_freq [1]): at
    // position 1 channels 0, 1 turn by 1 rad, channels 2, 3 pass. Parallel residual, eps 0.25.
    ModelConfig c = ModelConfig.builder(Architecture.GPT_NEOX).vocabSize(4).hiddenSize(4).intermediateSize(1)
        .numLayers(1).numHeads(1).rotaryPct(0.5).normEps(EPS).parallelResidual(true).build();
    Map<String, float[]> w = neoxCommon(c);
    String p = "gpt_neox.layers.0.";
    float[] qkv = new float[48]; // q, k, v each the identity
    for (int part = 0; part < 3; part++) {
      for (int i = 0; i < 4; i++) {
        qkv[(part * 4 + i) * 4 + i] = 1;
      }
    }
    w.put(p + "attention.query_key_value.weight", qkv);
    w.put(p + "attention.query_key_value.bias", new float[12]);
    w.put(p + "attention.dense.bias", f(0.375, 0, 0, 0));
    w.put(p + "post_attention_layernorm.weight", f(1, 1, 1, 1));
    w.put(p + "post_attention_layernorm.bias", f(0, 0.5, 0, 0));
    w.put(p + "mlp.dense_h_to_4h.weight", f(0, 1, 0, 0)); // u = ln2(x)[1] = S·x[1] + 0.5
    w.put(p + "mlp.dense_4h_to_h.weight", f(1, 0, 0, 0)); // mlp = [gelu(u), 0, 0, 0]
    double[] fw = {1, 2, 1, 1};
    double[] fb = {0, 0, 0, 0.25};
    w.put("gpt_neox.final_layer_norm.weight", f(fw));
    w.put("gpt_neox.final_layer_norm.bias", f(fb));

    // position 0: attends to itself, a0 = v0 = S·e0; parallel: x + dense(attn) + mlp(ln2(x))
    double[] x0 = plus(plus(E0, plus(times(S, E0), 0.375, 0, 0, 0)), ReferenceOps.gelu(0.5 - S), 0, 0, 0);
    // position 1: q1 = S·[cos1 − sin1, cos1 + sin1, −1, −1]; k0 = S·e0 unturned; scale 1/√4
    // q1·k0 = S²[(cos1 − sin1) − (cos1 + sin1) − 1 + 1] = −2S² sin1; q1·k1 = |S e1|² = 4S²
    double s10 = -2 * S * S * Math.sin(1) / 2;
    double s11 = 4 * S * S / 2;
    double p0 = 1 / (1 + Math.exp(s11 - s10));
    double[] a1 = times(S, plus(times(p0, E0), times(1 - p0, E1)));
    double[] x1 = plus(plus(E1, plus(a1, 0.375, 0, 0, 0)), ReferenceOps.gelu(S + 0.5), 0, 0, 0);

    double[] logits = ReferenceDecoder.logits(c, w::get, twoTokens(0, 1));
    assertThat(logits).containsExactly(concat(ln(x0, fw, fb), ln(x1, fw, fb)), within(1e-14));
  }

  @Test
  void aNeoxFusedProjectionHoldsQueryKeyValuePerHeadAndSequentialResidualNormsTheAttentionSum() {
    // vocab 4, hidden 4, two heads of width 2, rotary_pct 1, sequential residual, eps 0.25.
    // HF views query_key_value's 12 outputs as [head][q(2) k(2) v(2)]: rows 0-1 q0, 2-3 k0,
    // 4-5 v0, 6-7 q1, 8-9 k1, 10-11 v1. q = k = 0 (uniform attention); v of head 0 reads
    // channels 0, 1, v of head 1 channels 2, 3, with v biases [0.5, 0] and [0, -0.5].
    ModelConfig c = ModelConfig.builder(Architecture.GPT_NEOX).vocabSize(4).hiddenSize(4).intermediateSize(1)
        .numLayers(1).numHeads(2).rotaryPct(1.0).normEps(EPS).parallelResidual(false).build();
    Map<String, float[]> w = neoxCommon(c);
    String p = "gpt_neox.layers.0.";
    float[] qkv = new float[48];
    qkv[4 * 4] = 1; // row 4 ← channel 0
    qkv[5 * 4 + 1] = 1; // row 5 ← channel 1
    qkv[10 * 4 + 2] = 1; // row 10 ← channel 2
    qkv[11 * 4 + 3] = 1; // row 11 ← channel 3
    float[] qkvBias = new float[12];
    qkvBias[4] = 0.5f;
    qkvBias[11] = -0.5f;
    w.put(p + "attention.query_key_value.weight", qkv);
    w.put(p + "attention.query_key_value.bias", qkvBias);
    w.put(p + "attention.dense.bias", f(0, 0, 0, 0));
    w.put(p + "post_attention_layernorm.weight", f(1, 1, 1, 1));
    w.put(p + "post_attention_layernorm.bias", f(0, 0, 0, 0));
    w.put(p + "mlp.dense_h_to_4h.weight", f(1, 0, 0, 0)); // u = ln2(h)[0]
    w.put(p + "mlp.dense_4h_to_h.weight", f(0, 0, 0, 1)); // mlp = [0, 0, 0, gelu(u)]
    double[] ones = {1, 1, 1, 1};
    double[] zeros = {0, 0, 0, 0};
    w.put("gpt_neox.final_layer_norm.weight", f(ones));
    w.put("gpt_neox.final_layer_norm.bias", f(zeros));

    double[] bv = {0.5, 0, 0, -0.5};
    double[] v0 = plus(times(S, E0), bv);
    double[] v1 = plus(times(S, E1), bv);
    double[] h0 = plus(E0, v0); // position 0 attends to itself
    double[] h1 = plus(E1, times(0.5, plus(v0, v1))); // position 1: scores 0, weights 1/2, 1/2
    // sequential: the MLP reads ln2 of the sum after attention, not of the block input
    double[] x0 = plus(h0, 0, 0, 0, ReferenceOps.gelu(ln(h0, ones, zeros)[0]));
    double[] x1 = plus(h1, 0, 0, 0, ReferenceOps.gelu(ln(h1, ones, zeros)[0]));

    double[] logits = ReferenceDecoder.logits(c, w::get, twoTokens(0, 1));
    assertThat(logits).containsExactly(concat(ln(x0, ones, zeros), ln(x1, ones, zeros)), within(1e-14));
  }
}
