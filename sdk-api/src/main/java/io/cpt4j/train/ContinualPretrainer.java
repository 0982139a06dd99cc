package io.cpt4j.train;

import io.cpt4j.backend.AdamW;
import io.cpt4j.backend.Backend;
import io.cpt4j.backend.Precision;
import io.cpt4j.backend.Regularizer;
import io.cpt4j.backend.Trainable;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.Source;
import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Continual pre-training of a Hugging Face checkpoint: re-warmed learning rate, new-domain data
 * mixed with replayed general data, evaluation of forgetting and of the stability gap, atomic
 * checkpoints with exact resume.
 *
 * <pre>{@code
 * TrainingReport report = ContinualPretrainer.from(Path.of("models/base"))
 *     .rewarm(Rewarm.to(3e-4).warmupFraction(0.01).cosineTo(3e-5))
 *     .mix(Mixture.of(Source.text("data/finance"), 0.9).replay(Source.text("data/general"), 0.1))
 *     .tokens(50_000_000).sequenceLength(1024).batchTokens(65_536)
 *     .validateOn("general", Source.text("val/general")).validateOn("finance", Source.text("val/finance"))
 *     .output(Path.of("runs/finance-cpt"))
 *     .train();
 * }</pre>
 *
 * <p>The run directory holds {@code run.json} (the resolved {@link RunConfig}), {@code
 * metrics.jsonl} (training lines with {@code step}, {@code tokens}, {@code lr}, {@code loss};
 * evaluation lines with {@code step} and {@code eval}), {@code checkpoints/step-N/} (an HF
 * checkpoint plus {@code trainer-state/}), {@code final/} (the trained model), {@code plots/} and
 * {@code report.json}. {@link #resume(Path, TrainingListener...)} continues an interrupted run from
 * its last checkpoint, bit-exactly on the CPU; {@link #branch(Path, long)} starts a decay branch
 * from one of its checkpoints.
 *
 * <p>The configuration methods fill a {@link RunConfig.Builder} ({@link #config()} builds it), so
 * the defaults are the builder's: AdamW defaults from {@link AdamW#defaults()}, FP32, the CPU
 * backend, seed 0, and the model-dependent ones of {@link RunConfig}. Invalid combinations fail in
 * {@link #train()} before any work, with a {@link TrainingException} naming the field. A builder is
 * not thread-safe; {@code train()} may be called once per builder state (each call is a new run).
 */
public final class ContinualPretrainer {
  private final RunConfig.Builder config;
  private Backend backendInstance;
  private final List<TrainingListener> listeners = new ArrayList<>();

  private ContinualPretrainer(RunConfig.Builder config) {
    this.config = config;
  }

  /** Starts from the checkpoint directory {@code base} (Hugging Face layout). */
  public static ContinualPretrainer from(Path base) {
    return new ContinualPretrainer(RunConfig.builder().base(Objects.requireNonNull(base, "base")));
  }

  /** Starts from an open checkpoint (its directory is what the run records and reopens). */
  public static ContinualPretrainer from(Checkpoint base) {
    return from(base.directory());
  }

  /** A builder holding a configuration, e.g. one read from a YAML run file. */
  public static ContinualPretrainer from(RunConfig config) {
    Objects.requireNonNull(config.base(), "base");
    return new ContinualPretrainer(config.newBuilder());
  }

  /** Reads a YAML run file with the fields of {@link RunConfig} (see the README for the format). */
  public static ContinualPretrainer fromYaml(Path runFile) {
    return from(Providers.trainer().readRunFile(runFile));
  }

  /**
   * Continues the run in {@code runDirectory} from its last complete checkpoint, with the
   * configuration in its {@code run.json}; metrics after that checkpoint are discarded and
   * recomputed (identically, on the CPU).
   *
   * @throws TrainingException if the directory holds no resumable run
   */
  public static TrainingReport resume(Path runDirectory, TrainingListener... listeners) {
    return Providers.trainer().resume(runDirectory, List.of(listeners));
  }

  /**
   * A decay branch of the run in {@code runDirectory} from its checkpoint at step {@code fromStep}
   * ({@code checkpoints/step-N/}): a decay-only run that continues the main run exactly (weights,
   * optimizer state, data position) and anneals it, leaving the main run's directory untouched. Give
   * the decay and the output, then {@link DecayBranch#train()}; see {@link DecayBranch}.
   */
  public static DecayBranch branch(Path runDirectory, long fromStep) {
    return new DecayBranch(runDirectory, fromStep);
  }

  /** The learning-rate schedule (the same as {@link #schedule}). */
  public ContinualPretrainer rewarm(LrSchedule s) {
    return schedule(s);
  }

  public ContinualPretrainer schedule(LrSchedule s) {
    config.schedule(s);
    return this;
  }

  public ContinualPretrainer mix(Mixture m) {
    config.mixture(m);
    return this;
  }

  /** A single source as the whole mixture. */
  public ContinualPretrainer data(Source s) {
    return mix(Mixture.of(s, 1.0));
  }

  public ContinualPretrainer tokenizer(Path tokenizerJson) {
    config.tokenizer(tokenizerJson);
    return this;
  }

  public ContinualPretrainer tokens(long n) {
    config.tokens(n);
    return this;
  }

  public ContinualPretrainer steps(long n) {
    config.steps(n);
    return this;
  }

  public ContinualPretrainer sequenceLength(int n) {
    config.sequenceLength(n);
    return this;
  }

  public ContinualPretrainer batchTokens(long n) {
    config.batchTokens(n);
    return this;
  }

  /** Positions per forward/backward pass: gradient accumulation = batchTokens / microBatchTokens. */
  public ContinualPretrainer microBatchTokens(long n) {
    config.microBatchTokens(n);
    return this;
  }

  public ContinualPretrainer optimizer(AdamW settings) {
    config.optimizer(settings);
    return this;
  }

  public ContinualPretrainer precision(Precision p) {
    config.precision(p);
    return this;
  }

  public ContinualPretrainer activationCheckpointing(boolean on) {
    config.activationCheckpointing(on);
    return this;
  }

  /**
   * Trains only the tensors whose Hugging Face names match one of {@code regexes} (whole-name
   * matches, e.g. {@code GrowthReport.trainablePattern()} for the new blocks of a depth growth); the
   * others stay bit-identical. See {@link Trainable}.
   */
  public ContinualPretrainer trainOnly(String... regexes) {
    config.trainable(Trainable.matching(regexes));
    return this;
  }

  /** Trains only the parameters {@code t} selects (default {@link Trainable#all()}). */
  public ContinualPretrainer trainOnly(Trainable t) {
    config.trainable(t);
    return this;
  }

  /**
   * Adds a term that holds the model near its base against forgetting, e.g. {@code
   * regularize(Regularizer.kl(0.5).onSources("general"))}; see {@link Regularizer}. One of each kind.
   */
  public ContinualPretrainer regularize(Regularizer r) {
    config.regularize(r);
    return this;
  }

  /** "cpu", "cpu:THREADS", "gpu", "gpu:INDEX" or "auto". */
  public ContinualPretrainer backend(String spec) {
    config.backend(spec);
    this.backendInstance = null;
    return this;
  }

  /** A backend instance for this run (run.json records its {@link Backend#name()}). */
  public ContinualPretrainer backend(Backend b) {
    Objects.requireNonNull(b, "backend");
    config.backend(b.name());
    this.backendInstance = b;
    return this;
  }

  /** A named validation set, evaluated at step 0 and every {@link #evaluateEvery} steps. */
  public ContinualPretrainer validateOn(String name, Source source) {
    config.validation(name, source);
    return this;
  }

  public ContinualPretrainer validationTokens(long n) {
    config.validationTokens(n);
    return this;
  }

  /**
   * Evaluation tasks ({@link io.cpt4j.eval.Task#read task YAML or minimal JSONL files}) scored with
   * the live model at step 0 and every {@link #evaluateEvery} steps; the report gives each metric's
   * step-0 and final value. Added after those given before. The files are read before training
   * starts: a bad file stops the run before any step.
   */
  public ContinualPretrainer evaluateTasks(Path... files) {
    for (Path f : files) {
      config.task(f);
    }
    return this;
  }

  /** Documents scored per task at each evaluation, the first ones (0, the default = all). */
  public ContinualPretrainer taskLimit(int documentsPerTask) {
    config.taskLimit(documentsPerTask);
    return this;
  }

  public ContinualPretrainer evaluateEvery(long stepsBetween) {
    config.evaluateEvery(stepsBetween);
    return this;
  }

  public ContinualPretrainer checkpointEvery(long stepsBetween) {
    config.checkpointEvery(stepsBetween);
    return this;
  }

  public ContinualPretrainer keepLastCheckpoints(int k) {
    config.keepLastCheckpoints(k);
    return this;
  }

  public ContinualPretrainer seed(long s) {
    config.seed(s);
    return this;
  }

  public ContinualPretrainer output(Path runDirectory) {
    config.output(runDirectory);
    return this;
  }

  public ContinualPretrainer dataCache(Path directory) {
    config.dataCache(directory);
    return this;
  }

  public ContinualPretrainer maxBadSteps(int n) {
    config.maxBadSteps(n);
    return this;
  }

  /**
   * Whether each document is framed with the BOS token the base's tokenizer adds (Llama 2/3,
   * Mistral: {@code <s>}/{@code <|begin_of_text|>}), as the model was pretrained. Default true; a
   * tokenizer that adds nothing (Qwen, GPT-NeoX) frames with EOS alone either way.
   */
  public ContinualPretrainer specialTokens(boolean frameWithBos) {
    config.specialTokens(frameWithBos);
    return this;
  }

  /** See {@link RunConfig#predictFinalLoss()} (default true). */
  public ContinualPretrainer predictFinalLoss(boolean on) {
    config.predictFinalLoss(on);
    return this;
  }

  public ContinualPretrainer listener(TrainingListener l) {
    listeners.add(Objects.requireNonNull(l, "listener"));
    return this;
  }

  /** The configuration as collected so far (unresolved: zeros are defaults). */
  public RunConfig config() {
    return config.build();
  }

  /**
   * Runs to the planned tokens or steps (or until the mixture stops) and returns the report.
   *
   * @throws TrainingException for an invalid configuration (before any work) or a run that had to
   *     stop
   */
  public TrainingReport train() {
    return Providers.trainer().train(config(), backendInstance, List.copyOf(listeners));
  }
}
