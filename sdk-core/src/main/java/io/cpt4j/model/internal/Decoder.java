package io.cpt4j.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.cpt4j.backend.Batch;
import io.cpt4j.checkpoint.ModelFamily;
import io.cpt4j.checkpoint.TensorNames;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.function.Function;

/**
 * The one decoder: Llama family and GPT-NeoX from {@link ModelConfig} flags, computing what Hugging
 * Face transformers computes. Stateless: parameters come from a lookup by HF name per call, so the
 * same code runs float32 weights, float16 working copies or float64 (tests).
 *
 * <p>Shapes: B rows, T positions, H hidden, nh / nkv heads, hd head width, V vocabulary.
 */
public final class Decoder {
  private final ModelConfig c;
  private final ModelFamily f;
  private final TensorNames n;
  private final double[] invFreq;

  public Decoder(ModelConfig config) {
    this.c = config;
    this.f = config.family();
    this.n = f.names();
    this.invFreq = Rope.inverseFrequencies(config);
    String act = config.hiddenAct();
    boolean gated = f.mlp() == ModelFamily.Mlp.GATED;
    boolean supported = gated ? act.equals("silu") || act.equals("swish") || act.equals("gelu_pytorch_tanh")
        : act.equals("gelu");
    if (!supported) {
      throw new io.cpt4j.checkpoint.ConfigException("hidden_act '" + act + "' is not supported for "
          + config.hfClass() + " (supported: " + (gated ? "silu, gelu_pytorch_tanh" : "gelu, the exact erf form") + ")");
    }
  }

  public ModelConfig config() {
    return c;
  }

  /** Rotary tables for passes on {@code m}'s device in the compute dtype {@code dtype}. */
  RopeTables ropeTables(NDManager m, DataType dtype) {
    RopeTables local = c.localRopeTheta() > 0
        ? new RopeTables(Rope.inverseFrequencies(c, true), Rope.attentionScaling(c, true), m, dtype) : null;
    return new RopeTables(invFreq, Rope.attentionScaling(c), m, dtype, local);
  }

  /** Engine arrays for a batch, created in {@code m}; attach them to the step's scope. */
  BatchInputs inputs(NDManager m, Batch b, RopeTables rope) {
    return inputs(m, b, rope, null);
  }

  /** {@link #inputs(NDManager, Batch, RopeTables)} with shared prefixes ({@code prefixOf} null for none). */
  BatchInputs inputs(NDManager m, Batch b, RopeTables rope, int[] prefixOf) {
    for (int id : b.inputIds()) {
      if (id >= c.vocabSize()) {
        throw new IllegalArgumentException("input id " + id + " is outside the vocabulary [0, " + c.vocabSize() + ")");
      }
    }
    for (int id : b.targets()) {
      if (id >= c.vocabSize()) {
        throw new IllegalArgumentException("target id " + id + " is outside the vocabulary [0, " + c.vocabSize() + ")");
      }
    }
    return new BatchInputs(m, b, rope, c.hasSlidingLayers() ? c.slidingWindow() : 0, prefixOf);
  }

  /** Token embeddings, (B, T, H). */
  NDArray embed(Function<String, NDArray> w, BatchInputs in) {
    NDArray table = w.apply(n.embedding() + ".weight");
    // torch.embedding rather than advanced indexing: its backward sums each row's gradient in token
    // order on one thread, while index_put_ adds with parallel atomics (in an order that varies from
    // run to run) once the gradient has 32768 elements and there are 2+ threads; exact resume needs
    // the same gradient every time.
    NDArray rows = JniUtils.embedding((PtNDArray) in.ids, (PtNDArray) table, false);
    NDArray x = rows.reshape(in.rows, in.length, c.hiddenSize());
    // Gemma: × √hidden, the scale rounded to float32 first as transformers' buffer is
    return f.scaledEmbedding() ? Scalars.times(x, (float) Math.sqrt(c.hiddenSize())) : x;
  }

  /** Decoder block {@code layer}: (B, T, H) → (B, T, H). */
  NDArray block(Function<String, NDArray> w, int layer, NDArray x, BatchInputs in) {
    String p = n.layer(layer);
    boolean sliding = c.isSlidingLayer(layer);
    NDArray attn = attention(w, p, norm(w, p + n.inputNorm(), x), in, sliding);
    if (f.sandwichNorms()) { // Gemma: each sublayer's output normalised before its residual add
      NDArray h = x.add(norm(w, p + n.attentionOutNorm(), attn));
      return h.add(norm(w, p + n.mlpOutNorm(), mlp(w, p, norm(w, p + n.preMlpNorm(), h))));
    }
    if (c.parallelResidual()) {
      return x.add(attn).add(mlp(w, p, norm(w, p + n.preMlpNorm(), x)));
    }
    NDArray h = x.add(attn);
    return h.add(mlp(w, p, norm(w, p + n.preMlpNorm(), h)));
  }

  /** Final norm and LM head: (B, T, H) → logits (B·T, V), float32 (float64 in a float64 pass). */
  NDArray head(Function<String, NDArray> w, NDArray x) {
    NDArray normed = norm(w, n.finalNorm(), x);
    String headName = (c.tieWordEmbeddings() ? n.embedding() : n.head()) + ".weight";
    NDArray flat = normed.reshape(-1, c.hiddenSize());
    NDArray logits = flat.matMul(w.apply(headName).transpose());
    logits = logits.getDataType() == DataType.FLOAT64 ? logits : Casts.cast(logits, DataType.FLOAT32);
    return softcap(logits, c.finalLogitSoftcap());
  }

  /** Full forward: logits (B·T, V), float32 (float64 in a float64 pass). */
  public NDArray logits(Function<String, NDArray> w, BatchInputs in) {
    return head(w, hidden(w, in));
  }

  /** Embedding and every block: the hidden states before the final norm, (B, T, H). */
  NDArray hidden(Function<String, NDArray> w, BatchInputs in) {
    NDArray x = embed(w, in);
    for (int l = 0; l < c.numLayers(); l++) {
      x = block(w, l, x, in);
    }
    return x;
  }

  /** Per-position negative log-likelihood of the targets times their weights, (B·T), float32. */
  static NDArray weightedNll(NDArray logits, BatchInputs in) {
    NDArray logp = logits.logSoftmax(-1);
    return logp.gather(in.targets, 1).reshape(-1).neg().mul(in.weights);
  }

  /** Unweighted per-position NLL (0 where the target is ignored). */
  static NDArray nll(NDArray logits, BatchInputs in) {
    NDArray logp = logits.logSoftmax(-1);
    NDArray picked = logp.gather(in.targets, 1).reshape(-1).neg();
    return picked.mul(in.hasTarget);
  }

  // ----------------------------------------------------------------------------- pieces

  /** {@code x·Wᵀ + b} as one engine call (torch.nn.functional.linear). */
  private NDArray linear(Function<String, NDArray> w, String name, NDArray x, boolean bias) {
    PtNDArray weight = (PtNDArray) w.apply(name + ".weight");
    PtNDArray b = bias ? (PtNDArray) w.apply(name + ".bias") : null;
    return JniUtils.linear((PtNDArray) x, weight, b);
  }

  /** The family's norm of {@code x} with the tensors named {@code name} (weight, and bias for LayerNorm). */
  private NDArray norm(Function<String, NDArray> w, String name, NDArray x) {
    return switch (f.norm()) {
      case RMS -> rmsNorm(x, w.apply(name + ".weight"));
      case RMS_PLUS_ONE -> rmsNormPlusOne(x, w.apply(name + ".weight"));
      case LAYER_NORM -> layerNorm(w, name, x);
    };
  }

  /** Gemma's RMSNorm: {@code (x/rms(x))·(1 + w)} in float32, then back to the input's dtype. */
  private NDArray rmsNormPlusOne(NDArray x, NDArray weight) {
    NDArray x32 = x.getDataType() == DataType.FLOAT64 ? x : Casts.cast(x, DataType.FLOAT32);
    NDArray variance = x32.square().mean(new int[] {-1}, true);
    NDArray w32 = weight.getDataType() == x32.getDataType() ? weight : Casts.cast(weight, x32.getDataType());
    NDArray normed = x32.div(Scalars.plus(variance, c.normEps()).sqrt()).mul(Scalars.plus(w32, 1.0));
    return Casts.cast(normed, x.getDataType());
  }

  /** torch's {@code gelu(approximate="tanh")}: {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}. */
  private static NDArray geluTanh(NDArray x) {
    NDArray inner = Scalars.times(x.add(Scalars.times(x.mul(x).mul(x), 0.044715)), Math.sqrt(2 / Math.PI));
    return Scalars.times(x, 0.5).mul(Scalars.plus(inner.tanh(), 1.0));
  }

  /** RMSNorm in float32 (as HF), then back to the input's dtype. */
  private NDArray rmsNorm(NDArray x, NDArray weight) {
    NDArray x32 = x.getDataType() == DataType.FLOAT64 ? x : Casts.cast(x, DataType.FLOAT32);
    NDArray variance = x32.square().mean(new int[] {-1}, true);
    NDArray normed = Casts.cast(x32.div(Scalars.plus(variance, c.normEps()).sqrt()), x.getDataType());
    return normed.mul(Casts.cast(weight, x.getDataType()));
  }

  /** LayerNorm with weight and bias over the last axis, statistics in float32. */
  private NDArray layerNorm(Function<String, NDArray> w, String name, NDArray x) {
    NDArray x32 = x.getDataType() == DataType.FLOAT64 ? x : Casts.cast(x, DataType.FLOAT32);
    NDArray mean = x32.mean(new int[] {-1}, true);
    NDArray centered = x32.sub(mean);
    NDArray variance = centered.square().mean(new int[] {-1}, true);
    NDArray normed = Casts.cast(centered.div(Scalars.plus(variance, c.normEps()).sqrt()), x.getDataType());
    return normed.mul(Casts.cast(w.apply(name + ".weight"), x.getDataType()))
        .add(Casts.cast(w.apply(name + ".bias"), x.getDataType()));
  }

  /** {@code cap·tanh(x/cap)}, or {@code x} when {@code cap} is 0 (Gemma's logit soft-capping). */
  private static NDArray softcap(NDArray x, double cap) {
    return cap > 0 ? Scalars.times(Scalars.times(x, 1 / cap).tanh(), cap) : x;
  }

  private NDArray attention(Function<String, NDArray> w, String p, NDArray x, BatchInputs in, boolean sliding) {
    NDArray mask = sliding ? in.slidingMask : in.mask;
    NDArray cos = sliding ? in.localCos : in.cos;
    NDArray signedSin = sliding ? in.localSignedSin : in.signedSin;
    int b = in.rows;
    int t = in.length;
    int hd = c.headDim();
    NDArray q;
    NDArray k;
    NDArray v;
    if (!f.fusedQkv()) {
      q = linear(w, p + n.query(), x, c.qkvBias()).reshape(b, t, c.numHeads(), hd);
      k = linear(w, p + n.key(), x, c.qkvBias()).reshape(b, t, c.numKvHeads(), hd);
      if (f.qkNorm()) { // Qwen3, Gemma 3: the family's RMSNorm over each head, before the rotation
        q = norm(w, p + n.queryNorm(), q);
        k = norm(w, p + n.keyNorm(), k);
      }
      q = q.transpose(0, 2, 1, 3);
      k = k.transpose(0, 2, 1, 3);
      v = linear(w, p + n.value(), x, c.qkvBias()).reshape(b, t, c.numKvHeads(), hd).transpose(0, 2, 1, 3);
    } else { // fused, per head [q | k | v] as HF's view(B, T, nh, 3·hd)
      NDArray qkv = linear(w, p + n.fusedQkv(), x, c.qkvBias()).reshape(b, t, c.numHeads(), 3 * hd);
      q = qkv.get("..., :" + hd).transpose(0, 2, 1, 3);
      k = qkv.get("..., " + hd + ":" + 2 * hd).transpose(0, 2, 1, 3);
      v = qkv.get("..., " + 2 * hd + ":").transpose(0, 2, 1, 3);
    }
    q = rotate(q, cos, signedSin); // (B, nh, T, hd)
    k = rotate(k, cos, signedSin); // (B, nkv, T, hd)
    if (c.numKvHeads() != c.numHeads()) { // kv head j serves query heads j·g … j·g+g-1
      k = k.repeat(1, c.queriesPerKvHead());
      v = v.repeat(1, c.queriesPerKvHead());
    }
    // q scaled by 1/√hd before the product: (B, nh, T, hd) elements instead of the (B, nh, T, T) scores
    NDArray scores = Scalars.times(q, c.attentionScale()).matMul(k.transpose(0, 1, 3, 2));
    DataType softmaxType = x.getDataType() == DataType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
    NDArray probs = Casts.cast(Casts.cast(scores, softmaxType).add(mask.toType(softmaxType, false))
        .softmax(-1), x.getDataType());
    NDArray out = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) c.numHeads() * hd);
    return linear(w, p + n.attentionOut(), out, c.attentionOutputBias());
  }

  /** Rotary embedding over the first rotaryDim channels of each head (all of them for Llama). */
  private NDArray rotate(NDArray x, NDArray cosTable, NDArray signedSinTable) {
    int rd = c.rotaryDim();
    int half = rd / 2;
    boolean partial = rd < c.headDim();
    NDArray rot = partial ? x.get("..., :" + rd) : x;
    // rotate_half(x)·sin = [x2, x1]·[-sin, sin]: the halves swapped by one flip, times a signed table
    Shape shape = rot.getShape();
    NDArray swapped = JniUtils.flip((PtNDArray) rot.reshape(shape.get(0), shape.get(1), shape.get(2), 2, half),
        new long[] {3}).reshape(shape);
    NDArray cos = cosTable.toType(x.getDataType(), false);
    NDArray sin = signedSinTable.toType(x.getDataType(), false);
    NDArray embedded = rot.mul(cos).add(swapped.mul(sin));
    return partial ? embedded.concat(x.get("..., " + rd + ":"), -1) : embedded;
  }

  private NDArray mlp(Function<String, NDArray> w, String p, NDArray x) {
    if (f.mlp() == ModelFamily.Mlp.GATED) {
      NDArray gate = linear(w, p + n.gate(), x, c.mlpBias());
      NDArray up = linear(w, p + n.up(), x, c.mlpBias());
      NDArray act = c.hiddenAct().equals("gelu_pytorch_tanh") ? geluTanh(gate)
          : gate.mul(JniUtils.sigmoid((PtNDArray) gate));
      return linear(w, p + n.down(), act.mul(up), c.mlpBias());
    }
    NDArray h = linear(w, p + n.up(), x, c.mlpBias());
    NDArray gelu = JniUtils.gelu((PtNDArray) h); // exact erf form, torch's default
    return linear(w, p + n.down(), gelu, c.mlpBias());
  }
}
