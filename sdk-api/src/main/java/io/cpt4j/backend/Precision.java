package io.cpt4j.backend;

/** Arithmetic precision of a training session. */
public enum Precision {
  /** Everything in float32. The default. */
  FP32,
  /**
   * Mixed precision: float16 compute (matmuls, activations) with float32 master weights and
   * optimizer state, norms, softmax and the loss in float32, and dynamic loss scaling ({@link
   * LossScaling}) so small gradients survive float16.
   */
  FP16_MIXED
}
