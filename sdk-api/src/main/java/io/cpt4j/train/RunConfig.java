package io.cpt4j.train;

import io.cpt4j.backend.AdamW;
import io.cpt4j.backend.Precision;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.Source;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that defines a continual pre-training run, as {@link ContinualPretrainer} collects it
 * and as {@code run.json} records it once resolved. Immutable. Zero means "not set, use the default"
 * for the numeric fields marked so; {@link ContinualPretrainer#train()} resolves them against the
 * base model and writes the resolved form to {@code run.json}:
 *
 * <ul>
 *   <li>{@code sequenceLength}: min(1024, the model's max_position_embeddings)
 *   <li>{@code batchTokens}: 8 rows of {@code sequenceLength}; {@code microBatchTokens}: the whole
 *       batch (no accumulation)
 *   <li>{@code steps}: ⌈tokens / batchTokens⌉ (one of {@code tokens} and {@code steps} is required)
 *   <li>{@code evaluateEvery}: a tenth of the steps (at least 1); {@code checkpointEvery}: 0 = only
 *       the final checkpoint; {@code keepLastCheckpoints}: 2
 *   <li>{@code validationTokens}: 65,536 input positions per validation set
 *   <li>{@code tokenizer}: {@code base/tokenizer.json}; {@code dataCache}: {@code output/data}
 *   <li>{@code maxBadSteps}: 5 consecutive non-finite steps stop the run
 * </ul>
 *
 * @param base the base checkpoint directory
 * @param tokenizer the tokenizer.json used for every source (null = the base's)
 * @param schedule the learning-rate schedule over optimizer steps
 * @param mixture the training data
 * @param tokens planned input positions (0 = from steps)
 * @param steps planned optimizer steps (0 = from tokens)
 * @param sequenceLength positions per row (0 = default)
 * @param batchTokens input positions per optimizer step, a multiple of sequenceLength (0 = default)
 * @param microBatchTokens positions per forward/backward pass; batchTokens must be a multiple (0 =
 *     batchTokens)
 * @param optimizer AdamW settings (including gradient clipping)
 * @param precision FP32 or FP16 mixed precision
 * @param activationCheckpointing recompute activations per block in the backward pass
 * @param backend "cpu", "cpu:THREADS", "gpu", "gpu:INDEX" or "auto"; "cpu" is resolved to "cpu:CORES"
 *     (the available processors), so a resumed run uses the same thread count and repeats the
 *     original bit for bit
 * @param validation named validation sets, in evaluation order
 * @param validationTokens input positions evaluated per validation set (0 = default)
 * @param evaluateEvery steps between evaluations (0 = default)
 * @param checkpointEvery steps between checkpoints (0 = only at the end)
 * @param keepLastCheckpoints checkpoints kept (0 = default)
 * @param seed seed of everything random in the run (data order, initialisation-free)
 * @param output the run directory
 * @param dataCache where token shards are kept and reused (null = output/data)
 * @param maxBadSteps consecutive non-finite steps that stop the run (0 = default)
 * @param specialTokens frame every document with the BOS the tokenizer adds (its {@code
 *     specialPrefix()}), as the model was pretrained; false for documents without it (default true)
 */
public record RunConfig(Path base, Path tokenizer, LrSchedule schedule, Mixture mixture, long tokens, long steps,
    int sequenceLength, long batchTokens, long microBatchTokens, AdamW optimizer, Precision precision,
    boolean activationCheckpointing, String backend, Map<String, Source> validation, long validationTokens,
    long evaluateEvery, long checkpointEvery, int keepLastCheckpoints, long seed, Path output, Path dataCache,
    int maxBadSteps, boolean specialTokens) {
  public RunConfig {
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(precision, "precision");
    Objects.requireNonNull(backend, "backend");
    validation = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(validation));
  }

  /** The configuration without BOS framing ({@code specialTokens} false), as before it existed. */
  public RunConfig(Path base, Path tokenizer, LrSchedule schedule, Mixture mixture, long tokens, long steps,
      int sequenceLength, long batchTokens, long microBatchTokens, AdamW optimizer, Precision precision,
      boolean activationCheckpointing, String backend, Map<String, Source> validation, long validationTokens,
      long evaluateEvery, long checkpointEvery, int keepLastCheckpoints, long seed, Path output, Path dataCache,
      int maxBadSteps) {
    this(base, tokenizer, schedule, mixture, tokens, steps, sequenceLength, batchTokens, microBatchTokens, optimizer,
        precision, activationCheckpointing, backend, validation, validationTokens, evaluateEvery, checkpointEvery,
        keepLastCheckpoints, seed, output, dataCache, maxBadSteps, false);
  }

  /** Rows of one optimizer step. */
  public int batchRows() {
    return (int) (batchTokens / sequenceLength);
  }

  /** Rows of one forward/backward pass. */
  public int microBatchRows() {
    return (int) (microBatchTokens / sequenceLength);
  }

  /** Forward/backward passes per optimizer step. */
  public int accumulation() {
    return (int) (batchTokens / microBatchTokens);
  }
}
