package io.cpt4j.backend;

import io.cpt4j.checkpoint.ModelFamily;
import io.cpt4j.checkpoint.ModelConfig;
import java.util.Locale;
import java.util.Objects;

/**
 * An estimate of the device memory a training session needs, in bytes, for one model, micro-batch
 * shape, precision and activation-checkpointing setting: what cpt4j's decoder keeps alive, not a
 * generic rule of thumb. The GPU backend compares it with free device memory before it loads
 * weights and before the first step of a new batch shape, and fails early with {@link #describe()}
 * and {@link #suggestion(long)} instead of running out of memory mid-run. Immutable, thread-safe.
 *
 * <p>Notation: {@code P} parameters, {@code B} micro-batch rows, {@code T} sequence length, {@code N
 * = B·T} tokens, {@code H} hidden size, {@code A = heads·headDim} attention width, {@code I} MLP
 * width, {@code V} vocabulary, {@code L} layers, {@code S = B·heads·T²} attention scores of one
 * layer, {@code c} bytes of a compute element (2 in FP16_MIXED, 4 in FP32).
 *
 * <p>Static parts:
 *
 * <ul>
 *   <li>{@link #parameters}: the weights the passes read: {@code 4P} in FP32; in FP16_MIXED the
 *       float16 working copies, {@code 2P} (autograd keeps them until backward).
 *   <li>{@link #masterWeights}: the float32 masters in FP16_MIXED, {@code 4P}; 0 in FP32 (the
 *       weights are the masters).
 *   <li>{@link #gradients}: float32, {@code 4P_t} (they accumulate into the masters), where {@code
 *       P_t ≤ P} are the trainable parameters ({@link SessionOptions#trainable()}).
 *   <li>{@link #optimizerMoments}: AdamW's two float32 moments, {@code 8P_t}.
 *   <li>{@link #referenceWeights}: the frozen float32 copy of the base that {@link Regularizer}s
 *       need: {@code 4P} when a term distills (the base runs forward), {@code 4P_t} for L2 alone, 0
 *       without regularizers.
 * </ul>
 *
 * <p>{@link #activations}: what autograd saves for backward. One layer keeps
 *
 * <ul>
 *   <li>its input, {@code c·N·H} (and, for Llama and sequential GPT-NeoX, the mid-block residual,
 *       another {@code c·N·H});
 *   <li>per norm (two a layer): LayerNorm {@code 12·N·H} (float32 centred and normalised values,
 *       then in FP16_MIXED the float16 result and affine output, in FP32 the scaled result and
 *       affine output); RMSNorm {@code 12·N·H} in FP16_MIXED (the float32 input and normalised
 *       values, the float16 result and output), {@code 8·N·H} in FP32 (the input is the block's);
 *   <li>attention projections: GPT-NeoX {@code 6·c·N·A} (the fused qkv output, the scaled queries,
 *       the rotated keys and the merged heads), Llama {@code 4·c·N·A} (scaled queries, keys and
 *       values after any grouped-query repeat, merged heads);
 *   <li>attention scores, which the decoder materialises (no fused attention in DJL):
 *       {@code 6·S} bytes in FP16_MIXED (the float32 softmax and its float16 copy; widening the
 *       float16 scores to float32 keeps nothing), {@code 4·S} in FP32;
 *   <li>MLP: GPT-NeoX {@code 2·c·N·I} (pre- and post-GELU), Llama {@code 5·c·N·I} (gate, its
 *       sigmoid, gate·sigmoid, up, and their product).
 * </ul>
 *
 * <p>The head keeps the final norm and the float32 log-softmax of the logits, {@code 4·N·V} (in
 * FP16_MIXED the float16 logits are widened without being kept); plus the batch's attention mask,
 * {@code 4·B·T²}, the inputs of the up to two micro-batches the GPU backend builds ahead
 * ({@link TrainingSession#prefetch}), counted as their masks, {@code 2·4·B·T²}, and the two bool
 * {@code B·T²} temporaries of a mask being built meanwhile (their {@code B·T}-sized arrays are
 * negligible): {@code inputs = 14·B·T²}. Without checkpointing, activations
 * are {@code L·layer + head + inputs}. With activation checkpointing the forward keeps only every
 * block's input, {@code (L+1)·c·N·H}, and the backward recomputes one block (or the head) at a time:
 * {@code (L+1)·c·N·H + max(layer, head) + inputs}.
 *
 * <p>Distillation ({@link Regularizer#distills()}) adds to the head the base's logits and the
 * KL's saved log-probabilities and probabilities, {@code 16·N·V}; the base's own forward keeps
 * nothing (no autograd).
 *
 * <p>{@link #workspace}: transient backward buffers, taken as twice the largest single activation
 * ({@code max(4·S, 4·N·V, c·N·I)}: its gradient and one temporary), plus {@value #ALLOCATOR_SLACK}
 * bytes of allocator fragmentation and library workspaces.
 *
 * <p>The estimate is meant to be a little pessimistic: PyTorch frees some saved tensors earlier
 * than this accounting assumes.
 *
 * @param config the model
 * @param microBatch rows per micro-batch ({@code B})
 * @param sequenceLength positions per row ({@code T})
 * @param precision FP32 or FP16_MIXED
 * @param activationCheckpointing whether blocks are recomputed in backward
 * @param parameters bytes of the weights the passes read
 * @param masterWeights bytes of float32 master weights kept besides them (FP16_MIXED)
 * @param gradients bytes of gradients
 * @param optimizerMoments bytes of AdamW's moments
 * @param activations bytes autograd saves for backward at the peak
 * @param workspace bytes of transient buffers and allocator slack
 * @param trainableParameters {@code P_t}, the parameters that get gradients and moments
 * @param referenceWeights bytes of the regularizers' frozen base
 * @param distills whether a regularizer runs the base forward (its logits count in activations)
 */
public record MemoryPlan(ModelConfig config, int microBatch, int sequenceLength, Precision precision,
    boolean activationCheckpointing, long parameters, long masterWeights, long gradients, long optimizerMoments,
    long activations, long workspace, long trainableParameters, long referenceWeights, boolean distills) {

  /** Bytes allowed for allocator fragmentation and cuBLAS workspaces: 256 MiB. */
  public static final long ALLOCATOR_SLACK = 256L << 20;

  public MemoryPlan {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(precision, "precision");
  }

  /**
   * Estimates the memory of training {@code config} on micro-batches of {@code microBatch} rows of
   * {@code sequenceLength} positions.
   *
   * @throws IllegalArgumentException if {@code microBatch} or {@code sequenceLength} is not positive
   */
  public static MemoryPlan estimate(ModelConfig config, int microBatch, int sequenceLength, Precision precision,
      boolean activationCheckpointing) {
    return estimate(config, microBatch, sequenceLength, precision, activationCheckpointing, config.parameterCount(),
        0, false);
  }

  /**
   * The estimate for a session with {@code options}: its precision, activation checkpointing,
   * trainable parameters and regularizers.
   *
   * @throws IllegalArgumentException if the shape is not positive or a trainable pattern matches no
   *     tensor of {@code config}
   */
  public static MemoryPlan estimate(ModelConfig config, int microBatch, int sequenceLength, SessionOptions options) {
    long trainable = 0;
    for (String name : options.trainable().select(config.expectedTensors().keySet())) {
      trainable += config.expectedTensors().get(name).stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact);
    }
    boolean distills = options.regularizers().stream().anyMatch(Regularizer::distills);
    long reference = options.regularizers().isEmpty() ? 0 : 4 * (distills ? config.parameterCount() : trainable);
    return estimate(config, microBatch, sequenceLength, options.precision(), options.activationCheckpointing(),
        trainable, reference, distills);
  }

  private static MemoryPlan estimate(ModelConfig config, int microBatch, int sequenceLength, Precision precision,
      boolean activationCheckpointing, long trainable, long reference, boolean distills) {
    if (microBatch < 1 || sequenceLength < 1) {
      throw new IllegalArgumentException("micro-batch and sequence length must be positive, got "
          + microBatch + " × " + sequenceLength);
    }
    boolean fp16 = precision == Precision.FP16_MIXED;
    long p = config.parameterCount();
    long c = fp16 ? 2 : 4;
    long n = (long) microBatch * sequenceLength;
    long h = config.hiddenSize();
    long a = (long) config.numHeads() * config.headDim();
    long i = config.intermediateSize();
    long v = config.vocabSize();
    long s = (long) microBatch * config.numHeads() * sequenceLength * sequenceLength;
    boolean rms = config.family().norm() == ModelFamily.Norm.RMS;
    boolean gated = config.family().mlp() == ModelFamily.Mlp.GATED;

    long residuals = (!config.parallelResidual() ? 2 : 1) * c * n * h;
    long norm = (rms && !fp16 ? 8 : 12) * n * h;
    long projections = (config.family().fusedQkv() ? 6 : 4) * c * n * a;
    long scores = (fp16 ? 6 : 4) * s;
    long mlp = (gated ? 5 : 2) * c * n * i;
    // Qwen3's per-head q/k norms keep their float32 input and output of q and k
    long qkNorms = config.qkNorm() ? 2 * 4L * n * (a + (long) config.numKvHeads() * config.headDim()) : 0;
    long sandwich = config.family().sandwichNorms() ? 2 * norm : 0; // Gemma: two more norms per layer
    long layer = residuals + 2 * norm + projections + scores + mlp + qkNorms + sandwich;
    long head = norm + 4 * n * v + (distills ? 16 * n * v : 0);
    // this batch's float32 mask, two built ahead, and a build's two bool temporaries
    long inputs = (3 * 4L + 2) * microBatch * sequenceLength * sequenceLength;
    if (config.hasSlidingLayers()) { // the banded mask beside each full one, and its bool temporaries
      inputs += (3 * 4L + 2) * microBatch * sequenceLength * sequenceLength;
    }
    long layers = config.numLayers();
    long activations = activationCheckpointing
        ? (layers + 1) * c * n * h + Math.max(layer, head) + inputs
        : layers * layer + head + inputs;
    long workspace = 2 * Math.max(Math.max(4 * s, 4 * n * v), c * n * i) + ALLOCATOR_SLACK;
    return new MemoryPlan(config, microBatch, sequenceLength, precision, activationCheckpointing,
        (fp16 ? 2 : 4) * p, fp16 ? 4 * p : 0, 4 * trainable, 8 * trainable, activations, workspace, trainable,
        reference, distills);
  }

  /** Bytes held for the whole session whatever the batch: weights, masters, gradients, moments, the base. */
  public long staticBytes() {
    return parameters + masterWeights + gradients + optimizerMoments + referenceWeights;
  }

  /** This plan for another micro-batch shape and checkpointing, the rest unchanged. */
  private MemoryPlan reshaped(int rows, boolean checkpointing) {
    return estimate(config, rows, sequenceLength, precision, checkpointing, trainableParameters, referenceWeights,
        distills);
  }

  /** Everything: {@link #staticBytes()} + activations + workspace. */
  public long total() {
    return staticBytes() + activations + workspace;
  }

  /** Whether {@link #total()} fits in {@code freeBytes}. */
  public boolean fitsIn(long freeBytes) {
    return total() <= freeBytes;
  }

  /**
   * One line, e.g. {@code "micro-batch 8 × 1024, fp16_mixed, no activation checkpointing: weights
   * 310 MiB + master weights 619 MiB + gradients 619 MiB + AdamW moments 1.21 GiB + activations
   * 12.3 GiB + workspace 3.32 GiB = 18.3 GiB"}.
   */
  public String describe() {
    return "micro-batch " + microBatch + " × " + sequenceLength + ", " + precision.name().toLowerCase(Locale.ROOT)
        + ", " + (activationCheckpointing ? "activation checkpointing" : "no activation checkpointing")
        + ": weights " + bytes(parameters) + (masterWeights > 0 ? " + master weights " + bytes(masterWeights) : "")
        + " + gradients " + bytes(gradients) + " + AdamW moments " + bytes(optimizerMoments)
        + (referenceWeights > 0 ? " + frozen base " + bytes(referenceWeights) : "")
        + " + activations " + bytes(activations) + " + workspace " + bytes(workspace) + " = " + bytes(total());
  }

  /**
   * What to change so that training fits in {@code freeBytes}: activation checkpointing if it is
   * off and enough, else the largest micro-batch that fits (with checkpointing if needed), else
   * that the model's static state alone does not fit. Empty if the plan already fits.
   */
  public String suggestion(long freeBytes) {
    if (fitsIn(freeBytes)) {
      return "";
    }
    if (!activationCheckpointing) {
      MemoryPlan ckpt = reshaped(microBatch, true);
      if (ckpt.fitsIn(freeBytes)) {
        return "turn on activation checkpointing (SessionOptions.Builder.activationCheckpointing(true)): estimate "
            + bytes(ckpt.total());
      }
    }
    for (boolean ckpt : activationCheckpointing ? new boolean[] {true} : new boolean[] {false, true}) {
      for (int b = microBatch - 1; b >= 1; b = b > 8 ? b / 2 : b - 1) {
        MemoryPlan smaller = reshaped(b, ckpt);
        if (smaller.fitsIn(freeBytes)) {
          return "use micro-batches of " + b + " rows" + (ckpt && !activationCheckpointing
              ? " with activation checkpointing" : "") + " (more gradient-accumulation steps, same batch): estimate "
              + bytes(smaller.total());
        }
      }
    }
    String fp16 = precision == Precision.FP32 ? " or use Precision.FP16_MIXED" : "";
    if (staticBytes() + ALLOCATOR_SLACK < freeBytes) {
      MemoryPlan minimal = reshaped(1, true);
      return "shorten the sequences" + fp16 + ": even one row of " + sequenceLength
          + " with activation checkpointing needs " + bytes(minimal.total());
    }
    return "the model's weights, gradients and AdamW moments alone need " + bytes(staticBytes())
        + ": use a device with more memory" + fp16;
  }

  /** {@code bytes} in B, KiB, MiB or GiB with three significant digits ({@link io.cpt4j.checkpoint.ByteSizes#binary}). */
  public static String bytes(long bytes) {
    return io.cpt4j.checkpoint.ByteSizes.binary(bytes);
  }
}
