package io.cpt4j.train;

import io.cpt4j.backend.AdamW;
import io.cpt4j.backend.Precision;
import io.cpt4j.backend.Regularizer;
import io.cpt4j.backend.Trainable;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.Source;
import java.nio.file.Path;
import java.util.Collections;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that defines a continual pre-training run, as {@link ContinualPretrainer} collects it
 * and as {@code run.json} records it once resolved. Built with {@link #builder()}; {@link
 * #newBuilder()} starts a builder from an existing value for a modified copy:
 *
 * <pre>{@code
 * RunConfig config = RunConfig.builder().base(Path.of("models/base")).output(Path.of("runs/a"))
 *     .schedule(Rewarm.to(3e-4).warmupFraction(0.01).cosineTo(3e-5))
 *     .mixture(Mixture.of(Source.text("data/finance"), 1.0)).tokens(50_000_000).build();
 * RunConfig longer = config.newBuilder().tokens(100_000_000).output(Path.of("runs/b")).build();
 * }</pre>
 *
 * <p>Zero means "not set" for the numeric fields marked so below; {@link ContinualPretrainer#train()}
 * resolves them against the base model and writes the resolved form to {@code run.json}:
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
 * <p>The other defaults are the {@link Builder}'s. Fields are checked when the run starts (a {@link
 * TrainingException} names the field), not when the value is built. Immutable and thread-safe.
 */
public final class RunConfig {
  private final Path base;
  private final Path tokenizer;
  private final LrSchedule schedule;
  private final Mixture mixture;
  private final long tokens;
  private final long steps;
  private final int sequenceLength;
  private final long batchTokens;
  private final long microBatchTokens;
  private final AdamW optimizer;
  private final Precision precision;
  private final boolean activationCheckpointing;
  private final String backend;
  private final Map<String, Source> validation;
  private final long validationTokens;
  private final List<Path> tasks;
  private final int taskLimit;
  private final long evaluateEvery;
  private final long checkpointEvery;
  private final int keepLastCheckpoints;
  private final long seed;
  private final Path output;
  private final Path dataCache;
  private final int maxBadSteps;
  private final boolean specialTokens;
  private final BranchPoint branchOf;
  private final boolean predictFinalLoss;
  private final Trainable trainable;
  private final List<Regularizer> regularizers;

  private RunConfig(Builder b) {
    base = b.base;
    tokenizer = b.tokenizer;
    schedule = b.schedule;
    mixture = b.mixture;
    tokens = b.tokens;
    steps = b.steps;
    sequenceLength = b.sequenceLength;
    batchTokens = b.batchTokens;
    microBatchTokens = b.microBatchTokens;
    optimizer = b.optimizer;
    precision = b.precision;
    activationCheckpointing = b.activationCheckpointing;
    backend = b.backend;
    validation = Collections.unmodifiableMap(new LinkedHashMap<>(b.validation));
    validationTokens = b.validationTokens;
    tasks = List.copyOf(b.tasks);
    taskLimit = b.taskLimit;
    evaluateEvery = b.evaluateEvery;
    checkpointEvery = b.checkpointEvery;
    keepLastCheckpoints = b.keepLastCheckpoints;
    seed = b.seed;
    output = b.output;
    dataCache = b.dataCache;
    maxBadSteps = b.maxBadSteps;
    specialTokens = b.specialTokens;
    branchOf = b.branchOf;
    predictFinalLoss = b.predictFinalLoss;
    trainable = b.trainable;
    regularizers = List.copyOf(b.regularizers);
  }

  /** A builder holding every default (see {@link Builder}). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration, for a modified copy; this value is unchanged. */
  public Builder newBuilder() {
    return new Builder(this);
  }

  /** The base checkpoint directory (null: not set, the run refuses to start). */
  public Path base() { return base; }

  /** The tokenizer.json used for every source (null = the base's). */
  public Path tokenizer() { return tokenizer; }

  /** The learning-rate schedule over optimizer steps (null: not set). */
  public LrSchedule schedule() { return schedule; }

  /** The training data (null: not set). */
  public Mixture mixture() { return mixture; }

  /** Planned input positions (0 = from steps). */
  public long tokens() { return tokens; }

  /** Planned optimizer steps (0 = from tokens). */
  public long steps() { return steps; }

  /** Positions per row (0 = default). */
  public int sequenceLength() { return sequenceLength; }

  /** Input positions per optimizer step, a multiple of sequenceLength (0 = default). */
  public long batchTokens() { return batchTokens; }

  /** Positions per forward/backward pass; batchTokens must be a multiple (0 = batchTokens). */
  public long microBatchTokens() { return microBatchTokens; }

  /** AdamW settings, gradient clipping included. */
  public AdamW optimizer() { return optimizer; }

  /** FP32 or FP16 mixed precision. */
  public Precision precision() { return precision; }

  /** Whether activations are recomputed per block in the backward pass. */
  public boolean activationCheckpointing() { return activationCheckpointing; }

  /**
   * "cpu", "cpu:THREADS", "gpu", "gpu:INDEX" or "auto"; resolving turns "cpu" into "cpu:CORES" (the
   * available processors), so a resumed run uses the same thread count and repeats the original bit
   * for bit.
   */
  public String backend() { return backend; }

  /** Named validation sets, in evaluation order (unmodifiable). */
  public Map<String, Source> validation() { return validation; }

  /** Input positions evaluated per validation set (0 = default). */
  public long validationTokens() { return validationTokens; }

  /**
   * Evaluation task files ({@link io.cpt4j.eval.Task#read task YAML or minimal JSONL}), scored with
   * the live model at step 0 and at every evaluation, in this order (unmodifiable; default none).
   */
  public List<Path> tasks() { return tasks; }

  /** Documents scored per task at each evaluation, the first ones (0, the default = all). */
  public int taskLimit() { return taskLimit; }

  /** Steps between evaluations (0 = default). */
  public long evaluateEvery() { return evaluateEvery; }

  /** Steps between checkpoints (0 = only at the end). */
  public long checkpointEvery() { return checkpointEvery; }

  /** Checkpoints kept (0 = default). */
  public int keepLastCheckpoints() { return keepLastCheckpoints; }

  /** Seed of everything random in the run (data order; the base is not re-initialised). */
  public long seed() { return seed; }

  /** The run directory (null: not set, the run refuses to start). */
  public Path output() { return output; }

  /** Where token shards are kept and reused (null = output/data). */
  public Path dataCache() { return dataCache; }

  /** Consecutive non-finite steps that stop the run (0 = default). */
  public int maxBadSteps() { return maxBadSteps; }

  /**
   * Whether every document is framed with the BOS the tokenizer adds (its {@code specialPrefix()}),
   * as the model was pretrained; false for documents without it.
   */
  public boolean specialTokens() { return specialTokens; }

  /**
   * The checkpoint of another run this run branches from (null, the default: a run from its base).
   * A branch starts from that checkpoint's weights, optimizer state and data position, at its step;
   * see {@link BranchPoint} and {@link DecayBranch}.
   */
  public BranchPoint branchOf() { return branchOf; }

  /**
   * Whether every evaluation before the last predicts each validation set's loss at the end of the
   * run ({@link io.cpt4j.plan.CurvePrediction}, from the schedule's areas); the predictions go to the
   * log, {@code report.json}, {@link TrainingReport#predictions()} and {@code plots/prediction.png}.
   * They read the curves only: training is the same with or without them. Default true.
   */
  public boolean predictFinalLoss() { return predictFinalLoss; }

  /**
   * Which parameters train (default {@link Trainable#all()}); the others stay bit-identical. Run
   * file: {@code trainable: [regex, ...]}.
   */
  public Trainable trainable() { return trainable; }

  /**
   * Terms that hold the model near its base against forgetting (default none; see {@link
   * Regularizer}); a regularizer's sources must be components of the mixture. Run file: {@code
   * regularize: [{type: kl, weight: 0.5, temperature: 1, sources: [general]}, ...]}.
   */
  public List<Regularizer> regularizers() { return regularizers; }

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

  @Override
  public boolean equals(Object o) {
    return o instanceof RunConfig c && Objects.equals(base, c.base) && Objects.equals(tokenizer, c.tokenizer)
        && Objects.equals(schedule, c.schedule) && Objects.equals(mixture, c.mixture) && tokens == c.tokens
        && steps == c.steps && sequenceLength == c.sequenceLength && batchTokens == c.batchTokens
        && microBatchTokens == c.microBatchTokens && optimizer.equals(c.optimizer) && precision == c.precision
        && activationCheckpointing == c.activationCheckpointing && backend.equals(c.backend)
        && validation.equals(c.validation) && validationTokens == c.validationTokens
        && tasks.equals(c.tasks) && taskLimit == c.taskLimit && evaluateEvery == c.evaluateEvery && checkpointEvery == c.checkpointEvery
        && keepLastCheckpoints == c.keepLastCheckpoints && seed == c.seed && Objects.equals(output, c.output)
        && Objects.equals(dataCache, c.dataCache) && maxBadSteps == c.maxBadSteps
        && specialTokens == c.specialTokens && Objects.equals(branchOf, c.branchOf)
        && predictFinalLoss == c.predictFinalLoss && trainable.equals(c.trainable)
        && regularizers.equals(c.regularizers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(base, tokenizer, schedule, mixture, tokens, steps, sequenceLength, batchTokens,
        microBatchTokens, optimizer, precision, activationCheckpointing, backend, validation, validationTokens,
        tasks, taskLimit, evaluateEvery, checkpointEvery, keepLastCheckpoints, seed, output, dataCache, maxBadSteps, specialTokens,
        branchOf, predictFinalLoss, trainable, regularizers);
  }

  @Override
  public String toString() {
    return "RunConfig[base=" + base + ", tokenizer=" + tokenizer + ", schedule=" + schedule + ", mixture=" + mixture
        + ", tokens=" + tokens + ", steps=" + steps + ", sequenceLength=" + sequenceLength + ", batchTokens="
        + batchTokens + ", microBatchTokens=" + microBatchTokens + ", optimizer=" + optimizer + ", precision="
        + precision + ", activationCheckpointing=" + activationCheckpointing + ", backend=" + backend
        + ", validation=" + validation + ", validationTokens=" + validationTokens + ", tasks=" + tasks + ", taskLimit=" + taskLimit
        + ", evaluateEvery=" + evaluateEvery + ", checkpointEvery=" + checkpointEvery + ", keepLastCheckpoints=" + keepLastCheckpoints
        + ", seed=" + seed + ", output=" + output + ", dataCache=" + dataCache + ", maxBadSteps=" + maxBadSteps
        + ", specialTokens=" + specialTokens + ", branchOf=" + branchOf + ", predictFinalLoss=" + predictFinalLoss
        + ", trainable=" + trainable + ", regularizers=" + regularizers + "]";
  }

  /**
   * Collects a {@link RunConfig}; the one place its defaults live. Every field starts unset except:
   * optimizer {@link AdamW#defaults()}, precision {@link Precision#FP32}, backend {@code "cpu"},
   * {@code specialTokens} and {@code predictFinalLoss} true. Unset paths, schedule and mixture are null; unset numbers are 0 and
   * resolved when the run starts (see {@link RunConfig}); seed 0; activation checkpointing off; no
   * validation sets and no tasks; not a branch; every parameter trainable; no regularizers. Each setter is named after the {@link RunConfig} accessor that documents the
   * field; setters check only what is required to be non-null, the run checks the rest.
   * Not thread-safe; {@link #build()} may be called any number of times (each value is independent of
   * later changes).
   */
  public static final class Builder {
    private Path base;
    private Path tokenizer;
    private LrSchedule schedule;
    private Mixture mixture;
    private long tokens;
    private long steps;
    private int sequenceLength;
    private long batchTokens;
    private long microBatchTokens;
    private AdamW optimizer = AdamW.defaults();
    private Precision precision = Precision.FP32;
    private boolean activationCheckpointing;
    private String backend = "cpu";
    private final Map<String, Source> validation = new LinkedHashMap<>();
    private long validationTokens;
    private final List<Path> tasks = new ArrayList<>();
    private int taskLimit;
    private long evaluateEvery;
    private long checkpointEvery;
    private int keepLastCheckpoints;
    private long seed;
    private Path output;
    private Path dataCache;
    private int maxBadSteps;
    private boolean specialTokens = true;
    private Trainable trainable = Trainable.all();
    private final List<Regularizer> regularizers = new ArrayList<>();
    private BranchPoint branchOf;
    private boolean predictFinalLoss = true;

    private Builder() {}

    private Builder(RunConfig c) {
      base = c.base;
      tokenizer = c.tokenizer;
      schedule = c.schedule;
      mixture = c.mixture;
      tokens = c.tokens;
      steps = c.steps;
      sequenceLength = c.sequenceLength;
      batchTokens = c.batchTokens;
      microBatchTokens = c.microBatchTokens;
      optimizer = c.optimizer;
      precision = c.precision;
      activationCheckpointing = c.activationCheckpointing;
      backend = c.backend;
      validation.putAll(c.validation);
      validationTokens = c.validationTokens;
      tasks.addAll(c.tasks);
      taskLimit = c.taskLimit;
      evaluateEvery = c.evaluateEvery;
      checkpointEvery = c.checkpointEvery;
      keepLastCheckpoints = c.keepLastCheckpoints;
      seed = c.seed;
      output = c.output;
      dataCache = c.dataCache;
      maxBadSteps = c.maxBadSteps;
      specialTokens = c.specialTokens;
      branchOf = c.branchOf;
      predictFinalLoss = c.predictFinalLoss;
      trainable = c.trainable;
      regularizers.addAll(c.regularizers);
    }

    /** The base checkpoint directory (Hugging Face layout). */
    public Builder base(Path directory) { this.base = directory; return this; }

    /** The tokenizer.json for every source; null (the default) = the base's. */
    public Builder tokenizer(Path tokenizerJson) { this.tokenizer = tokenizerJson; return this; }

    public Builder schedule(LrSchedule s) { this.schedule = Objects.requireNonNull(s, "schedule"); return this; }
    public Builder mixture(Mixture m) { this.mixture = Objects.requireNonNull(m, "mixture"); return this; }
    public Builder tokens(long n) { this.tokens = n; return this; }
    public Builder steps(long n) { this.steps = n; return this; }
    public Builder sequenceLength(int n) { this.sequenceLength = n; return this; }
    public Builder batchTokens(long n) { this.batchTokens = n; return this; }
    public Builder microBatchTokens(long n) { this.microBatchTokens = n; return this; }
    public Builder optimizer(AdamW a) { this.optimizer = Objects.requireNonNull(a, "optimizer"); return this; }
    public Builder precision(Precision p) { this.precision = Objects.requireNonNull(p, "precision"); return this; }
    public Builder activationCheckpointing(boolean on) { this.activationCheckpointing = on; return this; }

    /** "cpu" (the default), "cpu:THREADS", "gpu", "gpu:INDEX" or "auto". */
    public Builder backend(String spec) { this.backend = Objects.requireNonNull(spec, "backend"); return this; }

    /** Replaces the validation sets with {@code sets}, in its iteration order. */
    public Builder validation(Map<String, Source> sets) {
      Map<String, Source> copy = new LinkedHashMap<>();
      sets.forEach((name, source) ->
          copy.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(source, "source")));
      validation.clear();
      validation.putAll(copy);
      return this;
    }

    /**
     * Adds the validation set {@code name}, evaluated after those added before it.
     *
     * @throws IllegalArgumentException if a set of that name is already defined
     */
    public Builder validation(String name, Source source) {
      if (validation.putIfAbsent(Objects.requireNonNull(name, "name"), Objects.requireNonNull(source, "source"))
          != null) {
        throw new IllegalArgumentException("validation set '" + name + "' is already defined");
      }
      return this;
    }

    public Builder validationTokens(long n) { this.validationTokens = n; return this; }

    /** Replaces the evaluation task files with {@code files}, in order. */
    public Builder tasks(List<Path> files) {
      List<Path> copy = new ArrayList<>();
      files.forEach(f -> copy.add(Objects.requireNonNull(f, "task file")));
      tasks.clear();
      tasks.addAll(copy);
      return this;
    }

    /** Adds the evaluation task file {@code file}, scored after those added before it. */
    public Builder task(Path file) { tasks.add(Objects.requireNonNull(file, "task file")); return this; }

    public Builder taskLimit(int documentsPerTask) { this.taskLimit = documentsPerTask; return this; }
    public Builder evaluateEvery(long stepsBetween) { this.evaluateEvery = stepsBetween; return this; }
    public Builder checkpointEvery(long stepsBetween) { this.checkpointEvery = stepsBetween; return this; }
    public Builder keepLastCheckpoints(int k) { this.keepLastCheckpoints = k; return this; }
    public Builder seed(long s) { this.seed = s; return this; }
    public Builder output(Path runDirectory) { this.output = runDirectory; return this; }
    public Builder dataCache(Path directory) { this.dataCache = directory; return this; }
    public Builder maxBadSteps(int n) { this.maxBadSteps = n; return this; }

    /** Whether documents are framed with the tokenizer's BOS (default true). */
    public Builder specialTokens(boolean frameWithBos) { this.specialTokens = frameWithBos; return this; }

    /** The checkpoint this run branches from; null (the default) for a run from its base. */
    public Builder branchOf(BranchPoint point) { this.branchOf = point; return this; }

    /** Whether evaluations predict each validation set's final loss (default true). */
    public Builder predictFinalLoss(boolean on) { this.predictFinalLoss = on; return this; }
    public Builder trainable(Trainable t) { this.trainable = Objects.requireNonNull(t, "trainable"); return this; }

    /** Replaces the regularizers. */
    public Builder regularizers(List<Regularizer> r) {
      List<Regularizer> copy = List.copyOf(r);
      regularizers.clear();
      regularizers.addAll(copy);
      return this;
    }

    /** Adds one regularizer. */
    public Builder regularize(Regularizer r) { regularizers.add(Objects.requireNonNull(r, "regularizer")); return this; }

    /** The configuration as set so far. */
    public RunConfig build() {
      return new RunConfig(this);
    }
  }
}
