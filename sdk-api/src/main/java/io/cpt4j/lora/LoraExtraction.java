package io.cpt4j.lora;

import io.cpt4j.checkpoint.DType;
import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.Objects;

/**
 * LoRA extraction: approximates what fine-tuning changed in each linear weight, ΔW = W_model −
 * W_base, by its best rank-r approximation and writes it as a PEFT adapter (mergekit's {@code
 * mergekit-extract-lora}), so a full fine-tune can be served, shared or merged as an adapter.
 *
 * <pre>{@code
 * ExtractionReport r = LoraExtraction.between(Path.of("models/base"), Path.of("models/finance-cpt"))
 *     .rank(32).writeTo(Path.of("adapters/finance"));
 * }</pre>
 *
 * <p>Each attention and MLP projection of every decoder layer (q/k/v or the fused qkv, o, gate, up,
 * down: {@link io.cpt4j.checkpoint.TensorNames}) is factored by a randomized truncated SVD (Halko,
 * Martinsson and Tropp 2011: a seeded Gaussian sketch with {@link #oversampling} extra columns and
 * {@link #powerIterations} power iterations, then an exact SVD of the small projected matrix), exact
 * when the sketch would cover the smaller dimension anyway. With ΔW ≈ U_r Σ_r V_rᵀ the adapter holds
 * {@code lora_B = U_r Σ_r^½ / √s} and {@code lora_A = Σ_r^½ V_rᵀ / √s}, where s = {@code
 * lora_alpha / r} is the scaling PEFT applies, so that {@code s · B · A} is the approximation. The
 * arithmetic is float64 and deterministic: the same inputs and seed give bit-identical files on any
 * machine and thread count.
 *
 * <p>Not captured (named in {@link ExtractionReport#notCaptured()} when they differ): the token
 * embedding and LM head (PEFT would need embedding adapters or full copies), norms and biases (not
 * low-rank). A projection whose delta is exactly zero gets no factors and is listed in the config's
 * {@code exclude_modules}.
 *
 * <p>The output directory holds {@code adapter_config.json} (the fields PEFT 0.21 writes, {@code
 * peft_type} LORA, {@code task_type} CAUSAL_LM, {@code target_modules} the projections' leaf names,
 * {@code rank_pattern}/{@code alpha_pattern} for tensors whose rank differs from {@code r}) and
 * {@code adapter_model.safetensors} with PEFT's names ({@code
 * base_model.model.<module>.lora_A.weight}, {@code lora_B.weight}); it is written under a temporary
 * name and renamed. Factors are held in memory until written (the adapter, not the model).
 *
 * <p>Defaults: no rank (it must be set), no energy target (every tensor gets rank r), max rank r,
 * {@code lora_alpha} equal to each tensor's rank (scaling 1, as mergekit writes), seed 0, 10
 * oversampling columns, 2 power iterations, the fine-tuned model's dtype for the factors, {@code
 * base_model_name_or_path} the base path as given, an existing non-empty output refused. Immutable;
 * thread-safe.
 *
 * @param base the checkpoint the model was fine-tuned from
 * @param model the fine-tuned checkpoint
 * @param rank r: the rank of every tensor, or with {@link #energy} the config's default rank; 0 until set
 * @param maxRank with {@link #energy}: the most any tensor may get (0: {@code rank})
 * @param energy 0 for none, else in (0, 1]: each tensor gets the smallest rank that keeps this
 *     fraction of its delta's squared Frobenius norm, at most {@code maxRank}
 * @param alpha {@code lora_alpha}; 0 for each tensor's own rank (scaling 1)
 * @param seed seed of the random sketches (each tensor's also depends on its name)
 * @param oversampling sketch columns beyond the rank
 * @param powerIterations power iterations of the sketch (more: closer to the exact SVD when the
 *     spectrum decays slowly)
 * @param dtype floating dtype of the factors; null for the fine-tuned model's
 * @param overwrite replace an existing non-empty output directory
 * @param baseModelName {@code base_model_name_or_path}; null for {@code base} as given
 */
public record LoraExtraction(Path base, Path model, int rank, int maxRank, double energy, int alpha, long seed,
    int oversampling, int powerIterations, DType dtype, boolean overwrite, String baseModelName) {

  public LoraExtraction {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(model, "model");
    if (rank < 0 || maxRank < 0 || alpha < 0 || oversampling < 0 || powerIterations < 0) {
      throw new IllegalArgumentException("rank, maxRank, alpha, oversampling and powerIterations must not be "
          + "negative");
    }
    if (!(energy >= 0 && energy <= 1)) {
      throw new IllegalArgumentException("energy must be in (0, 1], got " + energy);
    }
    if (dtype != null && !dtype.isFloatingPoint()) {
      throw new IllegalArgumentException("the factors' dtype must be floating point, got " + dtype);
    }
  }

  /** Extraction of what {@code model} changed relative to {@code base}, with the defaults above. */
  public static LoraExtraction between(Path base, Path model) {
    return new LoraExtraction(base, model, 0, 0, 0, 0, 0, 10, 2, null, false, null);
  }

  /** Rank r of every tensor (with {@link #energy(double)}: the default and, unless set, the most). */
  public LoraExtraction rank(int r) {
    if (r < 1) {
      throw new IllegalArgumentException("rank must be at least 1, got " + r);
    }
    return new LoraExtraction(base, model, r, maxRank, energy, alpha, seed, oversampling, powerIterations, dtype,
        overwrite, baseModelName);
  }

  /** With {@link #energy(double)}: the most rank any tensor may get (default: {@link #rank}). */
  public LoraExtraction maxRank(int r) {
    if (r < 1) {
      throw new IllegalArgumentException("maxRank must be at least 1, got " + r);
    }
    return new LoraExtraction(base, model, rank, r, energy, alpha, seed, oversampling, powerIterations, dtype,
        overwrite, baseModelName);
  }

  /** Give each tensor the smallest rank that keeps {@code fraction} of its delta's energy (at most {@link #maxRank}). */
  public LoraExtraction energy(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("energy must be in (0, 1], got " + fraction);
    }
    return new LoraExtraction(base, model, rank, maxRank, fraction, alpha, seed, oversampling, powerIterations,
        dtype, overwrite, baseModelName);
  }

  /** {@code lora_alpha} (default: each tensor's rank, so the scaling is 1). */
  public LoraExtraction alpha(int loraAlpha) {
    if (loraAlpha < 1) {
      throw new IllegalArgumentException("alpha must be at least 1, got " + loraAlpha);
    }
    return new LoraExtraction(base, model, rank, maxRank, energy, loraAlpha, seed, oversampling, powerIterations,
        dtype, overwrite, baseModelName);
  }

  /** Seed of the random sketches (default 0). */
  public LoraExtraction seed(long newSeed) {
    return new LoraExtraction(base, model, rank, maxRank, energy, alpha, newSeed, oversampling, powerIterations,
        dtype, overwrite, baseModelName);
  }

  /** Sketch columns beyond the rank (default 10) and power iterations (default 2). */
  public LoraExtraction sketch(int extraColumns, int iterations) {
    return new LoraExtraction(base, model, rank, maxRank, energy, alpha, seed, extraColumns, iterations, dtype,
        overwrite, baseModelName);
  }

  /** Floating dtype of the written factors (default: the fine-tuned model's). */
  public LoraExtraction dtype(DType factors) {
    return new LoraExtraction(base, model, rank, maxRank, energy, alpha, seed, oversampling, powerIterations,
        factors, overwrite, baseModelName);
  }

  /** Replace an existing non-empty output directory (default false: refused). */
  public LoraExtraction overwrite(boolean replace) {
    return new LoraExtraction(base, model, rank, maxRank, energy, alpha, seed, oversampling, powerIterations, dtype,
        replace, baseModelName);
  }

  /** {@code base_model_name_or_path} of the adapter, e.g. a Hub id (default: the base path as given). */
  public LoraExtraction baseModelName(String name) {
    return new LoraExtraction(base, model, rank, maxRank, energy, alpha, seed, oversampling, powerIterations, dtype,
        overwrite, Objects.requireNonNull(name, "name"));
  }

  /** The most rank a tensor gets: {@link #maxRank} when an energy target is set and it is, else {@link #rank}. */
  public int rankCeiling() {
    return energy > 0 && maxRank > 0 ? maxRank : rank;
  }

  /**
   * Extracts the adapter and writes it to {@code output}.
   *
   * @throws LoraException if the rank is unset, {@code maxRank} is set without an energy target, or
   *     the checkpoints differ in architecture, tensor names or shapes; nothing is written then
   * @throws io.cpt4j.checkpoint.CheckpointException if a checkpoint cannot be read, the output
   *     exists (without {@link #overwrite}) or cannot be written
   */
  public ExtractionReport writeTo(Path output) {
    Objects.requireNonNull(output, "output");
    if (rank < 1) {
      throw new LoraException("set rank(r): the rank of the adapter");
    }
    if (maxRank > 0 && energy == 0) {
      throw new LoraException("maxRank(" + maxRank + ") caps the ranks an energy target chooses: set energy(F) too");
    }
    return Providers.lora().extract(this, output);
  }
}
