package io.cpt4j.backend;

import java.util.Locale;

/**
 * Arithmetic precision of a training session.
 *
 * <p>There is no BF16 option: DJL's PyTorch engine (0.32) aborts the JVM when it creates or reads a
 * bfloat16 array, so cpt4j never hands one to it (BF16 checkpoints are widened in Java). Use {@link
 * #FP16_MIXED} on GPUs.
 */
public enum Precision {
  /** Everything in float32. The default. */
  FP32,
  /**
   * Mixed precision: float16 compute (matmuls, activations) with float32 master weights and
   * optimizer state, norms, softmax and the loss in float32, and dynamic loss scaling ({@link
   * LossScaling}) so small gradients survive float16.
   */
  FP16_MIXED;

  /**
   * Parses a precision name as written in run configurations and on the command line: {@code fp32}
   * (or {@code float32}), {@code fp16-mixed} (or {@code fp16_mixed}, {@code fp16}, {@code
   * float16}); case-insensitive.
   *
   * @throws IllegalArgumentException for BF16 (naming why it is not supported and what to use
   *     instead) and for any other unknown name
   */
  public static Precision parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    return switch (t) {
      case "fp32", "float32" -> FP32;
      case "fp16_mixed", "fp16", "float16", "amp_fp16" -> FP16_MIXED;
      case "bf16", "bf16_mixed", "bfloat16" -> throw new IllegalArgumentException("precision '" + text
          + "' is not supported: DJL's PyTorch engine aborts the JVM on bfloat16 arrays; use fp16-mixed "
          + "(float16 compute, float32 master weights, dynamic loss scaling) or fp32");
      default -> throw new IllegalArgumentException("unknown precision '" + text + "' (expected fp32 or fp16-mixed)");
    };
  }
}
