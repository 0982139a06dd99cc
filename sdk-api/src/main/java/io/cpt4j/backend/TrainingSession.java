package io.cpt4j.backend;

import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import java.nio.file.Path;
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

  /**
   * Announces the micro-batches of the next {@link #step}, so that the session can prepare them
   * while the current step runs: the GPU backend builds the device arrays of the first of them (ids,
   * targets, weights, rotary rows, attention mask) on a background thread, as it builds each further
   * micro-batch of a step while the one before runs, so the training thread neither waits for
   * host-to-device copies nor builds inputs itself; at most two micro-batches are held ahead. Only a
   * hint: {@link #step} gives the same results with or without it, a session may ignore it (the CPU
   * backend does), and a step whose micro-batches are not the announced ones (compared by identity)
   * frees the preparation. Call it from the thread that uses the session.
   *
   * <p>The default does nothing.
   */
  default void prefetch(List<Batch> next) {}

  /** Weighted mean next-token loss of {@code batch} without updating anything. */
  double loss(Batch batch);

  /** Per-position negative log-likelihood of the target (0 where the target is IGNORE). */
  float[] tokenLosses(Batch batch);

  /** Logits, row-major {@code rows × length × vocab}. */
  float[] logits(Batch batch);

  /**
   * The NLL of each position's target and the argmax of its logits, from one forward pass without
   * updating anything: what loglikelihood scoring needs ({@link io.cpt4j.eval.Scorer}). Only the
   * positions with a target are scored (see {@link TokenScores}); sessions apply the LM head to
   * those positions alone, in chunks, so that a batch never holds {@code rows × length × vocab}
   * logits and unscored positions cost no head at all.
   *
   * <p>The default computes the scores from {@link #logits}, which holds all the logits at once.
   *
   * @throws IllegalArgumentException if an input or target id is outside the vocabulary
   */
  default TokenScores tokenScores(Batch batch) {
    return TokenScores.fromLogits(batch, logits(batch));
  }

  /**
   * {@link #tokenScores(Batch)} for a batch whose documents may continue a shared prefix: document
   * {@code d} (a document id of {@code batch}) with {@code prefixOf[d] >= 0} sees the whole of
   * document {@code prefixOf[d]}, an earlier document of its row, before its own tokens, and its
   * position ids continue after that document's length. The scores are those of the plain batch in
   * which every such document is preceded by its own copy of the prefix, up to float rounding, but
   * the prefix is computed once: several continuations of one context cost the context once
   * (shared-prefix batching; with {@code prefixOf} all -1 this is {@link #tokenScores(Batch)}).
   *
   * <p>Document ids must lie in {@code [0, prefixOf.length)} and each name one stretch of one row;
   * a prefix is a plain document ({@code prefixOf} -1 for it), one level deep.
   *
   * <p>The default scores that plain batch with {@link #tokenScores(Batch)}, computing the prefix
   * once per continuation; the CPU and GPU sessions compute it once, with a mask that lets a
   * continuation attend to its prefix and its own earlier positions.
   *
   * @throws IllegalArgumentException if an id is outside the vocabulary, or {@code prefixOf} does
   *     not fit the batch (the message names the document)
   */
  default TokenScores tokenScores(Batch batch, int[] prefixOf) {
    return SharedPrefixes.byExpansion(this, batch, prefixOf);
  }

  /** Optimizer steps taken (skipped steps not counted). */
  long steps();

  /**
   * The current float32 weights under their Hugging Face names and shapes (copies, safe to keep),
   * ready for {@link io.cpt4j.checkpoint.CheckpointWriter}.
   */
  List<Tensor> weights();

  /**
   * Writes the optimizer state into {@code directory} (created if missing; files of an earlier save
   * there are replaced), so that {@link #restoreState} in a session opened on these {@link
   * #weights()} continues training exactly as this session would. The weights are not part of it:
   * save them with {@link io.cpt4j.checkpoint.CheckpointWriter} and keep them float32 (the writer's
   * default for these tensors; a narrower {@code dtype} such as BF16 rounds the master weights and
   * the resumed run then differs).
   *
   * <p>Layout, two files, each written under a temporary name, fsynced and renamed:
   *
   * <ul>
   *   <li>{@code optimizer.safetensors}: for every parameter {@code P} (its Hugging Face name) the
   *       AdamW moments as F32 tensors of {@code P}'s shape, {@code exp_avg.P} (first moment) and
   *       {@code exp_avg_sq.P} (second moment), as in PyTorch's {@code AdamW.state_dict()}. Before
   *       the first step the moments are zeros (what the first step starts from). Its {@code
   *       __metadata__} holds {@code format=pt} and the {@code save_id} of the save.
   *   <li>{@code optimizer.json}, written last: {@code format} ({@code "cpt4j-optimizer-state"}),
   *       {@code version} (1), {@code save_id} (random, the same as in the safetensors file, so
   *       files of two saves are never mixed), {@code steps} (updates taken, AdamW's {@code t}),
   *       {@code precision}, {@code optimizer} (the AdamW settings), {@code loss_scaling} (the
   *       settings), {@code loss_scale} and {@code clean_steps} (the dynamic scale and the clean
   *       steps counted towards its next growth; 1 and 0 in FP32) and {@code moments} (the
   *       safetensors file's name).
   * </ul>
   *
   * <p>Doubles are written in their shortest exact decimal form: everything round-trips bit for bit.
   *
   * @throws BackendException if the files cannot be written (each file is then the complete earlier
   *     one or the complete new one, and {@link #restoreState} detects a mix by the save id), or the
   *     session's master weights are not float32
   */
  void saveState(Path directory);

  /**
   * Replaces this session's optimizer state with the one {@link #saveState} wrote to {@code
   * directory}; afterwards {@link #steps()} is the saved count. Open the session on the weights
   * saved at the same step, with the same precision, AdamW settings and (for FP16_MIXED) loss
   * scaling: restoring into other settings is refused rather than silently continuing a different
   * run. Activation checkpointing is not checked: with another setting training continues
   * correctly but only up to rounding (gradients are summed in another order).
   *
   * <p>On the CPU backend the continuation is bit-exact when the new session runs with the same
   * number of threads as the saved one (PyTorch may split a reduction by thread count); checked for
   * FP32 and FP16_MIXED, with and without gradient accumulation.
   *
   * @throws BackendException naming the file if a file is missing, truncated or corrupt, and naming
   *     the setting or parameter if precision, AdamW or loss-scaling settings, parameter names or
   *     shapes differ from this session's; the session's state is unchanged then
   */
  void restoreState(Path directory);

  @Override
  void close();
}
