package io.cpt4j.model;

import static io.cpt4j.model.ReferenceOps.activation;
import static io.cpt4j.model.ReferenceOps.layerNorm;
import static io.cpt4j.model.ReferenceOps.linear;
import static io.cpt4j.model.ReferenceOps.rmsNorm;
import static io.cpt4j.model.ReferenceOps.rotate;

import io.cpt4j.backend.Batch;
import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * An independent float64 forward pass of the supported decoders (Llama / Mistral / Qwen2 and
 * GPT-NeoX), written from Hugging Face transformers' modeling code, as the numerical truth for
 * cpt4j's models. Plain loops, double arithmetic throughout, no code shared with cpt4j's main
 * sources except the {@link ModelConfig} and {@link Batch} records. Slow: meant for tiny models.
 *
 * <p>Weights are looked up by their HF names ({@link ModelConfig#expectedTensors()}), row-major,
 * Linear weights stored {@code [out, in]}. A tied model reads its head from the input embedding.
 *
 * <p>Packed rows follow {@link Batch}: positions restart at 0 where the document id changes and a
 * position attends only to earlier-or-equal positions of its own document.
 */
public final class ReferenceDecoder {
  private ReferenceDecoder() {}

  /**
   * Logits of every position.
   *
   * @param c the model configuration
   * @param weights float32 tensor data by HF name (a missing tensor fails, naming it)
   * @param b the inputs (targets and weights are not used)
   * @return row-major {@code [rows][length][vocab]} logits
   */
  public static double[] logits(ModelConfig c, Function<String, float[]> weights, Batch b) {
    Params p = new Params(c, weights);
    int v = c.vocabSize();
    double[] out = new double[b.rows() * b.length() * v];
    for (int r = 0; r < b.rows(); r++) {
      double[][] h = row(c, p, b, r);
      for (int t = 0; t < b.length(); t++) {
        double[] logit = linear(h[t], p.head(), null, v);
        double cap = c.finalLogitSoftcap(); // Gemma: cap·tanh(z/cap)
        for (int i = 0; cap > 0 && i < v; i++) {
          logit[i] = cap * Math.tanh(logit[i] / cap);
        }
        System.arraycopy(logit, 0, out, (r * b.length() + t) * v, v);
      }
    }
    return out;
  }

  /**
   * Negative log-likelihood {@code logsumexp(logits) - logits[target]} of every position
   * (unweighted), 0 where the target is {@link Batch#IGNORE}.
   *
   * @throws IllegalArgumentException if a target is outside the vocabulary
   */
  public static double[] tokenNll(ModelConfig c, Function<String, float[]> weights, Batch b) {
    double[] logits = logits(c, weights, b);
    int v = c.vocabSize();
    double[] nll = new double[b.rows() * b.length()];
    for (int i = 0; i < nll.length; i++) {
      int target = b.targets()[i];
      if (target == Batch.IGNORE) {
        continue;
      }
      if (target >= v) {
        throw new IllegalArgumentException("targets[" + i + "] = " + target + " is outside the vocabulary of " + v);
      }
      nll[i] = ReferenceOps.logSumExp(logits, i * v, v) - logits[i * v + target];
    }
    return nll;
  }

  /**
   * The batch loss {@code Σ w·nll / Σ w} over positions whose target is not {@link Batch#IGNORE}.
   * NaN when that total weight is 0 (as PyTorch's mean cross-entropy over no targets).
   */
  public static double loss(ModelConfig c, Function<String, float[]> weights, Batch b) {
    double[] nll = tokenNll(c, weights, b);
    double num = 0;
    double den = 0;
    for (int i = 0; i < nll.length; i++) {
      if (b.targets()[i] != Batch.IGNORE) {
        num += b.weights()[i] * nll[i];
        den += b.weights()[i];
      }
    }
    return num / den;
  }

  // ---------------------------------------------------------------- one row

  /** Final-normed hidden states {@code [length][hidden]} of row {@code r}. */
  private static double[][] row(ModelConfig c, Params p, Batch b, int r) {
    int n = b.length();
    int[] docs = Arrays.copyOfRange(b.documentIds(), r * n, (r + 1) * n);
    int[] pos = positions(docs);
    double[][] x = new double[n][];
    for (int t = 0; t < n; t++) {
      int id = b.inputIds()[r * n + t];
      if (id >= c.vocabSize()) {
        throw new IllegalArgumentException("inputIds[" + (r * n + t) + "] = " + id + " is outside the vocabulary");
      }
      x[t] = embedding(p.embedding(), id, c.hiddenSize());
      if (gemma(c)) { // × √hidden, rounded to float32 as transformers' buffer
        double scale = (float) Math.sqrt(c.hiddenSize());
        for (int i = 0; i < x[t].length; i++) {
          x[t][i] *= scale;
        }
      }
    }
    boolean llama = c.architecture() == Architecture.LLAMA;
    for (int l = 0; l < c.numLayers(); l++) {
      x = llama ? llamaBlock(c, p, l, x, docs, pos) : neoxBlock(c, p, l, x, docs, pos);
    }
    for (int t = 0; t < n; t++) {
      x[t] = llama
          ? norm(c, x[t], p.get("model.norm.weight"))
          : layerNorm(x[t], p.get("gpt_neox.final_layer_norm.weight"), p.get("gpt_neox.final_layer_norm.bias"), c.normEps());
    }
    return x;
  }

  /**
   * Position ids of one row: the distance from the start of the document (a new document starts
   * where the id changes). With rotary attention confined to documents these are unobservable in
   * exact arithmetic (scores depend on position differences only), hence tested directly.
   */
  static int[] positions(int[] docs) {
    int[] pos = new int[docs.length];
    for (int t = 1; t < docs.length; t++) {
      pos[t] = docs[t] == docs[t - 1] ? pos[t - 1] + 1 : 0;
    }
    return pos;
  }

  private static double[] embedding(float[] table, int id, int hidden) {
    double[] e = new double[hidden];
    for (int i = 0; i < hidden; i++) {
      e[i] = table[id * hidden + i];
    }
    return e;
  }

  /** Gemma 3 (text), whose block differs by its norms, embedding scale and local rope. */
  static boolean gemma(ModelConfig c) {
    return c.modelType().equals("gemma3_text");
  }

  /** RMSNorm; Gemma's multiplies by {@code 1 + w}. */
  private static double[] norm(ModelConfig c, double[] x, float[] weight) {
    if (!gemma(c)) {
      return rmsNorm(x, weight, c.normEps());
    }
    double[] y = rmsNorm(x, ones(weight.length), c.normEps());
    for (int i = 0; i < y.length; i++) {
      y[i] *= 1.0 + weight[i];
    }
    return y;
  }

  private static float[] ones(int n) {
    float[] o = new float[n];
    Arrays.fill(o, 1f);
    return o;
  }

  private static double[][] llamaBlock(ModelConfig c, Params p, int l, double[][] x, int[] docs, int[] pos) {
    String pre = "model.layers." + l + ".";
    int n = x.length;
    int qw = c.numHeads() * c.headDim();
    int kvw = c.numKvHeads() * c.headDim();
    double[][] q = new double[n][];
    double[][] k = new double[n][];
    double[][] v = new double[n][];
    for (int t = 0; t < n; t++) {
      double[] h = norm(c, x[t], p.get(pre + "input_layernorm.weight"));
      q[t] = linear(h, p.get(pre + "self_attn.q_proj.weight"), p.bias(pre + "self_attn.q_proj", c.qkvBias()), qw);
      k[t] = linear(h, p.get(pre + "self_attn.k_proj.weight"), p.bias(pre + "self_attn.k_proj", c.qkvBias()), kvw);
      if (c.qkNorm()) { // RMSNorm of every head's slice with the head-sized weight
        headNorm(c, q[t], p.get(pre + "self_attn.q_norm.weight"));
        headNorm(c, k[t], p.get(pre + "self_attn.k_norm.weight"));
      }
      v[t] = linear(h, p.get(pre + "self_attn.v_proj.weight"), p.bias(pre + "self_attn.v_proj", c.qkvBias()), kvw);
    }
    double[][] attn = attention(c, l, p.invFreq(l), q, 0, k, 0, v, 0, c.headDim(), docs, pos);
    double[][] out = new double[n][];
    for (int t = 0; t < n; t++) {
      double[] o = linear(attn[t], p.get(pre + "self_attn.o_proj.weight"),
          p.bias(pre + "self_attn.o_proj", c.attentionOutputBias()), c.hiddenSize());
      if (gemma(c)) { // sandwich: the attention output is normalised before the residual
        o = norm(c, o, p.get(pre + "post_attention_layernorm.weight"));
      }
      double[] h1 = add(x[t], o);
      double[] h = norm(c, h1, p.get(pre + (gemma(c) ? "pre_feedforward_layernorm.weight"
          : "post_attention_layernorm.weight")));
      int m = c.intermediateSize();
      double[] gate = linear(h, p.get(pre + "mlp.gate_proj.weight"), p.bias(pre + "mlp.gate_proj", c.mlpBias()), m);
      double[] up = linear(h, p.get(pre + "mlp.up_proj.weight"), p.bias(pre + "mlp.up_proj", c.mlpBias()), m);
      for (int i = 0; i < m; i++) {
        gate[i] = activation(c.hiddenAct(), gate[i]) * up[i];
      }
      double[] down = linear(gate, p.get(pre + "mlp.down_proj.weight"), p.bias(pre + "mlp.down_proj", c.mlpBias()), c.hiddenSize());
      if (gemma(c)) {
        down = norm(c, down, p.get(pre + "post_feedforward_layernorm.weight"));
      }
      out[t] = add(h1, down);
    }
    return out;
  }

  /** In place: each consecutive {@code hd}-slice of {@code v} replaced by its RMSNorm with {@code weight}. */
  private static void headNorm(ModelConfig c, double[] v, float[] weight) {
    int hd = c.headDim();
    for (int off = 0; off < v.length; off += hd) {
      double[] normed = norm(c, java.util.Arrays.copyOfRange(v, off, off + hd), weight);
      System.arraycopy(normed, 0, v, off, hd);
    }
  }

  private static double[][] neoxBlock(ModelConfig c, Params p, int l, double[][] x, int[] docs, int[] pos) {
    String pre = "gpt_neox.layers." + l + ".";
    int n = x.length;
    int hd = c.headDim();
    double[][] qkv = new double[n][];
    for (int t = 0; t < n; t++) {
      double[] h = layerNorm(x[t], p.get(pre + "input_layernorm.weight"), p.get(pre + "input_layernorm.bias"), c.normEps());
      qkv[t] = linear(h, p.get(pre + "attention.query_key_value.weight"),
          p.bias(pre + "attention.query_key_value", c.qkvBias()), 3 * c.numHeads() * hd);
    }
    // per head h the fused output holds [q(hd) k(hd) v(hd)] at h·3hd: q, k, v of head h start at 0, hd, 2hd
    double[][] attn = attention(c, l, p.invFreq(l), qkv, 0, qkv, hd, qkv, 2 * hd, 3 * hd, docs, pos);
    double[][] out = new double[n][];
    for (int t = 0; t < n; t++) {
      double[] a = linear(attn[t], p.get(pre + "attention.dense.weight"),
          p.bias(pre + "attention.dense", c.attentionOutputBias()), c.hiddenSize());
      if (c.parallelResidual()) {
        out[t] = add(add(x[t], a), neoxMlp(c, p, pre, x[t]));
      } else {
        double[] h1 = add(x[t], a);
        out[t] = add(h1, neoxMlp(c, p, pre, h1));
      }
    }
    return out;
  }

  private static double[] neoxMlp(ModelConfig c, Params p, String pre, double[] x) {
    double[] h = layerNorm(x, p.get(pre + "post_attention_layernorm.weight"), p.get(pre + "post_attention_layernorm.bias"), c.normEps());
    double[] u = linear(h, p.get(pre + "mlp.dense_h_to_4h.weight"), p.bias(pre + "mlp.dense_h_to_4h", c.mlpBias()), c.intermediateSize());
    for (int i = 0; i < u.length; i++) {
      u[i] = activation(c.hiddenAct(), u[i]);
    }
    return linear(u, p.get(pre + "mlp.dense_4h_to_h.weight"), p.bias(pre + "mlp.dense_4h_to_h", c.mlpBias()), c.hiddenSize());
  }

  /**
   * Causal, document-masked, grouped-query attention. Head h of the queries is the slice {@code
   * [h·stride + qOff, +headDim)} of {@code q[t]}; its key/value head j = h / (numHeads/numKvHeads)
   * is {@code [j·stride + kOff, +headDim)} of {@code k[t]} (likewise v). Rotary embeddings are
   * applied to copies of q and k at each position's within-document position (both scaled by
   * YaRN's attention temperature). A sliding-window layer sees only the last {@code slidingWindow}
   * positions.
   *
   * @return {@code [length][numHeads·headDim]}, heads concatenated
   */
  private static double[][] attention(ModelConfig c, int layer, double[] inv, double[][] q, int qOff, double[][] k,
      int kOff,
      double[][] v, int vOff, int stride, int[] docs, int[] pos) {
    int n = q.length;
    int hd = c.headDim();
    int g = c.queriesPerKvHead();
    double[][] qr = new double[n][];
    double[][] kr = new double[n][];
    for (int t = 0; t < n; t++) {
      qr[t] = q[t].clone();
      kr[t] = k[t].clone();
      for (int h = 0; h < c.numHeads(); h++) {
        rotate(qr[t], h * stride + qOff, inv, pos[t]);
      }
      for (int j = 0; j < c.numKvHeads(); j++) {
        rotate(kr[t], j * stride + kOff, inv, pos[t]);
      }
      double temperature = ReferenceOps.ropeAttentionScale(c); // on the rotated channels only
      for (int h = 0; h < c.numHeads(); h++) {
        for (int i = 0; i < c.rotaryDim(); i++) {
          qr[t][h * stride + qOff + i] *= temperature;
        }
      }
      for (int j = 0; j < c.numKvHeads(); j++) {
        for (int i = 0; i < c.rotaryDim(); i++) {
          kr[t][j * stride + kOff + i] *= temperature;
        }
      }
    }
    // Gemma: 1/√query_pre_attn_scalar instead of 1/√head_dim
    double scale = 1 / Math.sqrt(c.queryPreAttnScalar() > 0 ? c.queryPreAttnScalar() : hd);
    double[][] out = new double[n][c.numHeads() * hd];
    double[] scores = new double[n];
    for (int t = 0; t < n; t++) {
      for (int h = 0; h < c.numHeads(); h++) {
        int qo = h * stride + qOff;
        int j = h / g;
        int ko = j * stride + kOff;
        int vo = j * stride + vOff;
        int first = t;
        while (first > 0 && docs[first - 1] == docs[t]) {
          first--;
        }
        if (c.isSlidingLayer(layer)) {
          first = Math.max(first, t - c.slidingWindow() + 1);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int s = first; s <= t; s++) {
          double dot = 0;
          for (int i = 0; i < hd; i++) {
            dot += qr[t][qo + i] * kr[s][ko + i];
          }
          scores[s] = dot * scale;
          max = Math.max(max, scores[s]);
        }
        double sum = 0;
        for (int s = first; s <= t; s++) {
          scores[s] = StrictMath.exp(scores[s] - max);
          sum += scores[s];
        }
        for (int s = first; s <= t; s++) {
          double w = scores[s] / sum;
          for (int i = 0; i < hd; i++) {
            out[t][h * hd + i] += w * v[s][vo + i];
          }
        }
      }
    }
    return out;
  }

  private static double[] add(double[] a, double[] b) {
    double[] s = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      s[i] = a[i] + b[i];
    }
    return s;
  }

  /** Tensor lookup with shape checks, the head (tied or not) and the rotary frequencies. */
  private static final class Params {
    private final ModelConfig c;
    private final Function<String, float[]> weights;
    private final Map<String, List<Long>> shapes;
    private final Map<String, float[]> cache = new LinkedHashMap<>();
    private final double[] invFreq;
    private final double[] localInvFreq;

    Params(ModelConfig c, Function<String, float[]> weights) {
      this.c = c;
      this.weights = weights;
      this.shapes = c.expectedTensors();
      if (c.architecture() == Architecture.GPT_NEOX && c.numKvHeads() != c.numHeads()) {
        throw new UnsupportedOperationException("GPT-NeoX has no grouped-query attention (HF fuses q, k, v per head)");
      }
      ReferenceOps.checkActivation(c.hiddenAct());
      this.invFreq = ReferenceOps.inverseFrequencies(c);
      int d = c.rotaryDim();
      this.localInvFreq = new double[d / 2];
      for (int i = 0; i < d / 2; i++) { // Gemma's local layers: their own base, no scaling
        localInvFreq[i] = 1 / StrictMath.pow(c.localRopeTheta(), (2.0 * i) / d);
      }
    }

    /** The rotary frequencies of layer {@code l}: a sliding layer's own base where the model sets one. */
    double[] invFreq(int l) {
      return c.localRopeTheta() > 0 && c.isSlidingLayer(l) ? localInvFreq : invFreq;
    }

    float[] get(String name) {
      return cache.computeIfAbsent(name, key -> {
        float[] w = weights.apply(key);
        if (w == null) {
          throw new IllegalArgumentException("no tensor " + key);
        }
        List<Long> shape = shapes.get(key);
        long n = shape == null ? -1 : shape.stream().mapToLong(Long::longValue).reduce(1, (a, d) -> a * d);
        if (shape != null && w.length != n) {
          throw new IllegalArgumentException(key + " has " + w.length + " elements, shape " + shape + " needs " + n);
        }
        return w;
      });
    }

    float[] bias(String prefix, boolean present) {
      return present ? get(prefix + ".bias") : null;
    }

    float[] embedding() {
      return get(c.architecture() == Architecture.LLAMA ? "model.embed_tokens.weight" : "gpt_neox.embed_in.weight");
    }

    float[] head() {
      if (c.tieWordEmbeddings()) {
        return embedding();
      }
      return get(c.architecture() == Architecture.LLAMA ? "lm_head.weight" : "embed_out.weight");
    }

    double[] invFreq() {
      return invFreq;
    }
  }

  // ---------------------------------------------------------------- fixtures for other tests

  /**
   * Random float32 weights for every tensor of {@code c.expectedTensors()}: norm weights around 1
   * ({@code 1 + N(0, 0.1)}), biases small and nonzero ({@code N(0, 0.02)}), everything else {@code
   * N(0, 0.05)}. Deterministic in {@code seed}.
   */
  public static Map<String, float[]> randomWeights(ModelConfig c, long seed) {
    Random r = new Random(seed);
    Map<String, float[]> m = new LinkedHashMap<>();
    c.expectedTensors().forEach((name, shape) -> {
      int n = Math.toIntExact(shape.stream().mapToLong(Long::longValue).reduce(1, (a, d) -> a * d));
      boolean norm = name.contains("norm") && name.endsWith(".weight");
      float[] data = new float[n];
      for (int i = 0; i < n; i++) {
        double z = r.nextGaussian();
        data[i] = (float) (norm ? 1 + 0.1 * z : name.endsWith(".bias") ? 0.02 * z : 0.05 * z);
      }
      m.put(name, data);
    });
    return m;
  }

  /**
   * A random batch: ids uniform below the vocabulary; each row one document, or, when {@code
   * packed}, 2–3 documents (as the length allows) with ids increasing through the batch. Targets
   * are the next input of the same document; the last position of every document (so of every
   * row) is {@link Batch#IGNORE}. Weights uniform in [0.5, 1.5], about one in ten set to 0.
   * Deterministic in {@code seed}.
   */
  public static Batch randomBatch(ModelConfig c, int rows, int length, long seed, boolean packed) {
    Random r = new Random(seed);
    int n = rows * length;
    int[] in = new int[n];
    int[] docs = new int[n];
    int[] targets = new int[n];
    float[] w = new float[n];
    int doc = 0;
    for (int row = 0; row < rows; row++) {
      int count = packed ? Math.min(length, 2 + r.nextInt(2)) : 1;
      // count - 1 distinct cut points in 1..length-1: a document starts at each
      boolean[] starts = new boolean[length];
      for (int made = 1; made < count; ) {
        int cut = 1 + r.nextInt(length - 1);
        if (!starts[cut]) {
          starts[cut] = true;
          made++;
        }
      }
      for (int t = 0; t < length; t++) {
        int i = row * length + t;
        if (t > 0 && starts[t]) {
          doc++;
        }
        docs[i] = doc;
        in[i] = r.nextInt(c.vocabSize());
        w[i] = r.nextInt(10) == 0 ? 0f : (float) (0.5 + r.nextDouble());
      }
      doc++;
    }
    for (int i = 0; i < n; i++) {
      boolean last = i % length == length - 1 || docs[i + 1] != docs[i];
      targets[i] = last ? Batch.IGNORE : in[i + 1];
    }
    return new Batch(rows, length, in, targets, w, docs);
  }
}
