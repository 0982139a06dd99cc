package io.cpt4j.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.TokenScores;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Forward and backward passes of a {@link Decoder} over master parameters, in a compute dtype
 * (float32, float64, or float16 working copies cast from the masters where used, so gradients
 * reach the float32 masters through the cast). Callers hold an {@link NDScope}; each micro-batch
 * and each recomputed block runs in a nested scope, so activations are freed as soon as their
 * backward is done.
 */
public final class ModelPass {
  private final Decoder decoder;
  private final Map<String, NDArray> masters;
  private final DataType compute;
  private final NDManager manager;
  private final RopeTables rope;
  /** {@link #findLowestTrained()}, found on first use (which tensors train is fixed once a pass runs); -1 before. */
  private volatile int lowestTrained = -1;

  /** Logits per LM-head call of {@link #tokenScores}: 2^24 floats (64 MiB in float32). */
  static final int HEAD_CHUNK = 1 << 24;

  public ModelPass(Decoder decoder, Map<String, NDArray> masters, DataType compute) {
    this.decoder = decoder;
    this.masters = masters;
    this.compute = compute;
    this.manager = masters.values().iterator().next().getManager();
    this.rope = decoder.ropeTables(manager, compute);
  }

  /** Parameter lookup for one pass: the masters, or per-pass casts of them. */
  private Function<String, NDArray> weights() {
    return weights(masters, compute);
  }

  /** Lookup of {@code masters} for one pass in {@code compute}: themselves, or casts made on first use. */
  static Function<String, NDArray> weights(Map<String, NDArray> masters, DataType compute) {
    DataType master = masters.values().iterator().next().getDataType();
    if (compute == master) {
      return masters::get;
    }
    Map<String, NDArray> cast = new HashMap<>();
    return name -> cast.computeIfAbsent(name, n -> Casts.cast(masters.get(n), compute));
  }

  /** The data type the passes compute in. */
  public DataType compute() {
    return compute;
  }

  /**
   * Forward and backward of one micro-batch with the graph kept whole; gradients accumulate into
   * the masters, multiplied by {@code factor}. Returns the batch's weighted NLL sum as a float64
   * scalar on the device, registered in the caller's scope: reading it is left to the caller, so a
   * step reads all its scalars in one transfer (one device sync) instead of one per micro-batch.
   */
  public NDArray backward(GradientCollector collector, Batch b, double factor) {
    return backward(collector, b, factor, null);
  }

  /** {@link #backward(GradientCollector, Batch, double)}, with {@code b}'s inputs from {@code ready} if not null. */
  public NDArray backward(GradientCollector collector, Batch b, double factor, Prepared ready) {
    return backward(collector, b, factor, ready, null);
  }

  /**
   * {@link #backward(GradientCollector, Batch, double, Prepared)} with {@code distill}'s terms (null
   * for none) added to the loss that is back-propagated; the value returned is still the NLL sum.
   */
  public NDArray backward(GradientCollector collector, Batch b, double factor, Prepared ready,
      SelfDistillation distill) {
    NDArray value;
    try (NDScope scope = new NDScope()) {
      BatchInputs in = inputs(b, ready);
      NDArray logits = decoder.logits(weights(), in);
      NDArray sum = Decoder.weightedNll(logits, in).sum();
      value = kept(sum);
      NDArray loss = distill == null ? sum : distill.addTo(sum, logits, in, b);
      collector.backward(Scalars.times(loss, factor));
    }
    NDScope.register(value);
    return value;
  }

  /**
   * A float64 copy of {@code sum}, out of the current scope (the caller registers it in its own) and
   * owned by the pass's manager: results of ops on prepared inputs belong to their manager, which is
   * closed as soon as the micro-batch is done.
   */
  private NDArray kept(NDArray sum) {
    NDArray value = sum.stopGradient().toType(DataType.FLOAT64, true);
    NDScope.unregister(value);
    value.attach(manager);
    return value;
  }

  /**
   * The same gradients with activation checkpointing: a forward without autograd keeps only each
   * block's input; then the head and each block, last to first, are recomputed with autograd and
   * back-propagated one at a time, chaining the gradient with respect to the block input. Returns
   * what {@link #backward} returns.
   */
  public NDArray backwardCheckpointed(GradientCollector collector, Batch b, double factor) {
    return backwardCheckpointed(collector, b, factor, null);
  }

  /** {@link #backwardCheckpointed(GradientCollector, Batch, double)}, with inputs from {@code ready} if not null. */
  public NDArray backwardCheckpointed(GradientCollector collector, Batch b, double factor, Prepared ready) {
    return backwardCheckpointed(collector, b, factor, ready, null);
  }

  /**
   * {@link #backwardCheckpointed(GradientCollector, Batch, double, Prepared)} with {@code distill}'s
   * terms (null for none) added to the loss. Frozen layers below the lowest trainable one are not
   * back-propagated when the embeddings are frozen too: nothing there needs a gradient.
   */
  public NDArray backwardCheckpointed(GradientCollector collector, Batch b, double factor, Prepared ready,
      SelfDistillation distill) {
    NDArray value;
    try (NDScope scope = new NDScope()) {
      BatchInputs in = inputs(b, ready);
      int layers = decoder.config().numLayers();
      NDArray[] inputs = new NDArray[layers + 1];
      boolean gradMode = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try {
        Function<String, NDArray> w = weights();
        inputs[0] = decoder.embed(w, in);
        for (int l = 0; l < layers; l++) {
          try (NDScope blockScope = new NDScope()) {
            inputs[l + 1] = decoder.block(w, l, inputs[l], in);
            NDScope.unregister(inputs[l + 1]);
          }
          NDScope.register(inputs[l + 1]); // owned by the micro-batch scope from here
        }
      } finally {
        JniUtils.setGradMode(gradMode);
      }
      NDArray upstream;
      try (NDScope headScope = new NDScope()) {
        NDArray x = leaf(inputs[layers]);
        NDArray logits = decoder.head(weights(), x);
        NDArray sum = Decoder.weightedNll(logits, in).sum();
        value = kept(sum);
        NDArray loss = distill == null ? sum : distill.addTo(sum, logits, in, b);
        collector.backward(Scalars.times(loss, factor));
        upstream = x.getGradient();
        NDScope.unregister(upstream);
      }
      int lowest = lowestTrained >= 0 ? lowestTrained : (lowestTrained = findLowestTrained());
      for (int l = layers - 1; l >= lowest; l--) {
        try (NDScope blockScope = new NDScope()) {
          NDArray x = leaf(inputs[l]);
          NDArray y = decoder.block(weights(), l, x, in);
          collector.backward(y.mul(upstream).sum());
          upstream.close();
          upstream = x.getGradient();
          NDScope.unregister(upstream);
        }
      }
      if (lowest == 0 && trains(embeddingName())) {
        try (NDScope embedScope = new NDScope()) {
          collector.backward(decoder.embed(weights(), in).mul(upstream).sum());
        }
      }
      upstream.close();
    }
    NDScope.register(value);
    return value;
  }

  private String embeddingName() {
    return decoder.config().names().embedding() + ".weight";
  }

  private boolean trains(String name) {
    NDArray p = masters.get(name);
    return p != null && p.hasGradient();
  }

  /**
   * The lowest layer that must be back-propagated: 0 if the embeddings train, else the lowest layer
   * with a trainable tensor (the number of layers if none: only the head then).
   */
  private int findLowestTrained() {
    if (trains(embeddingName())) {
      return 0;
    }
    int layers = decoder.config().numLayers();
    for (int l = 0; l < layers; l++) {
      String prefix = decoder.config().names().layer(l);
      for (Map.Entry<String, NDArray> e : masters.entrySet()) {
        if (e.getKey().startsWith(prefix) && e.getValue().hasGradient()) {
          return l;
        }
      }
    }
    return layers;
  }

  /**
   * Builds {@code b}'s engine inputs now, in a manager of their own (not in any scope), for a later
   * {@link #backward}: callable from a prefetch thread while another thread runs a step. Throws what
   * building them would throw in the step (an id outside the vocabulary, device out of memory).
   */
  public Prepared prepare(Batch b) {
    NDManager own = manager.newSubManager();
    try {
      return new Prepared(b, own, decoder.inputs(own, b, rope));
    } catch (RuntimeException | Error e) {
      own.close();
      throw e;
    }
  }

  /** {@code b}'s inputs: the prepared ones if built for this very batch, else built now in the current scope. */
  private BatchInputs inputs(Batch b, Prepared ready) {
    return ready != null && ready.batch == b ? ready.inputs : decoder.inputs(manager, b, rope);
  }

  /** A batch's engine inputs built ahead by {@link #prepare}; close it after the step that used it. */
  public static final class Prepared implements AutoCloseable {
    private final Batch batch;
    private final NDManager manager;
    private final BatchInputs inputs;

    private Prepared(Batch batch, NDManager manager, BatchInputs inputs) {
      this.batch = batch;
      this.manager = manager;
      this.inputs = inputs;
    }

    /** The batch these inputs were built for. */
    public Batch batch() {
      return batch;
    }

    @Override
    public void close() {
      manager.close();
    }
  }

  private static NDArray leaf(NDArray stored) {
    NDArray x = stored.stopGradient();
    x.setRequiresGradient(true);
    return x;
  }

  /** Σ weight·NLL of a batch, without autograd. */
  public double weightedNllSum(Batch b) {
    try (NDScope scope = new NDScope()) {
      BatchInputs in = decoder.inputs(manager, b, rope);
      return Decoder.weightedNll(decoder.logits(weights(), in), in).sum().toType(DataType.FLOAT64, false).getDouble();
    }
  }

  /** Per-position NLL (0 where ignored), without autograd. */
  public float[] tokenNll(Batch b) {
    try (NDScope scope = new NDScope()) {
      BatchInputs in = decoder.inputs(manager, b, rope);
      return Decoder.nll(decoder.logits(weights(), in), in).toType(DataType.FLOAT32, false).toFloatArray();
    }
  }

  /**
   * NLL and argmax of the positions with a target, without autograd: the blocks run over the whole
   * batch, the final norm and LM head only over the scored positions, {@link #HEAD_CHUNK} logits at
   * a time, so the batch never holds {@code B·T·V} logits.
   */
  public TokenScores tokenScores(Batch b) {
    return tokenScores(b, null);
  }

  /**
   * {@link #tokenScores(Batch)} where documents may continue a shared prefix ({@code prefixOf},
   * null for none; see {@link io.cpt4j.backend.TrainingSession#tokenScores(Batch, int[])}).
   */
  public TokenScores tokenScores(Batch b, int[] prefixOf) {
    return tokenScores(b, prefixOf, Math.max(1, HEAD_CHUNK / decoder.config().vocabSize()));
  }

  /** {@link #tokenScores(Batch, int[])} with the LM head applied to {@code chunk} positions at a time. */
  TokenScores tokenScores(Batch b, int[] prefixOf, int chunk) {
    int n = b.rows() * b.length();
    int[] scored = IntStream.range(0, n).filter(i -> b.targets()[i] != Batch.IGNORE).toArray();
    float[] nll = new float[n];
    int[] argmax = new int[n];
    Arrays.fill(argmax, TokenScores.NOT_SCORED);
    int hiddenSize = decoder.config().hiddenSize();
    try (NDScope scope = new NDScope()) {
      BatchInputs in = decoder.inputs(manager, b, rope, prefixOf); // refuses ids outside the vocabulary
      if (scored.length == 0) {
        return new TokenScores(nll, argmax);
      }
      Function<String, NDArray> w = weights();
      NDArray hidden = decoder.hidden(w, in).reshape(n, hiddenSize); // (B·T, H)
      for (int from = 0; from < scored.length; from += chunk) {
        int to = Math.min(scored.length, from + chunk);
        long[] columns = new long[2 * (to - from)]; // positions | their targets
        for (int k = from; k < to; k++) {
          columns[k - from] = scored[k];
          columns[to - from + k - from] = b.targets()[scored[k]];
        }
        try (NDScope part = new NDScope()) {
          NDArray picked = manager.create(columns, new Shape(2, to - from));
          NDArray rows = JniUtils.embedding((PtNDArray) picked.get(0), (PtNDArray) hidden, false); // (m, H)
          NDArray logits = decoder.head(w, rows); // (m, V)
          float[] part32 = logits.logSoftmax(-1).gather(picked.get(1).reshape(-1, 1), 1).reshape(-1).neg()
              .toType(DataType.FLOAT32, false).toFloatArray();
          long[] best = logits.argMax(-1).toLongArray();
          for (int k = from; k < to; k++) {
            nll[scored[k]] = part32[k - from];
            argmax[scored[k]] = Math.toIntExact(best[k - from]);
          }
        }
      }
    }
    return new TokenScores(nll, argmax);
  }

  /** Logits rows × length × vocab, without autograd. */
  public float[] logits(Batch b) {
    try (NDScope scope = new NDScope()) {
      BatchInputs in = decoder.inputs(manager, b, rope);
      return decoder.logits(weights(), in).toType(DataType.FLOAT32, false).toFloatArray();
    }
  }
}
