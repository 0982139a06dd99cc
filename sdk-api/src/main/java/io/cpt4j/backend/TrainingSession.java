package io.cpt4j.backend;

import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import java.util.List;

/**
 * A model's parameters and optimizer state on a device, with forward, backward and update. Created
 * by {@link Backend#open}; the trainer drives it and never sees engine types.
 *
 * <p>Not thread-safe: use a session from one thread at a time. Close it to free device memory.
 */
public interface TrainingSession extends AutoCloseable {

  /** The model's configuration. */
  ModelConfig config();

  /** Number of trainable parameters. */
  long parameterCount();

  /**
   * One optimizer step over {@code microBatches} (gradient accumulation): the loss is the weighted
   * mean over all their positions, as if they were one batch; gradients are clipped to the global
   * norm, then AdamW updates with {@code learningRate}.
   */
  StepResult step(List<Batch> microBatches, double learningRate);

  /** Weighted mean next-token loss of {@code batch} without updating anything. */
  double loss(Batch batch);

  /** Per-position negative log-likelihood of the target (0 where the target is IGNORE). */
  float[] tokenLosses(Batch batch);

  /** Logits, row-major {@code rows × length × vocab}. */
  float[] logits(Batch batch);

  /** Optimizer steps taken (skipped steps not counted). */
  long steps();

  /**
   * The current float32 weights under their Hugging Face names and shapes (copies, safe to keep),
   * ready for {@link io.cpt4j.checkpoint.CheckpointWriter}.
   */
  List<Tensor> weights();

  @Override
  void close();
}
