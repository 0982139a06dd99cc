package io.cpt4j.train.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.backend.Backend;
import io.cpt4j.backend.Backends;
import io.cpt4j.backend.Batch;
import io.cpt4j.backend.SessionOptions;
import io.cpt4j.backend.StepResult;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.MixtureSampler;
import io.cpt4j.data.Packing;
import io.cpt4j.data.Source;
import io.cpt4j.data.TokenDataset;
import io.cpt4j.eval.Scorer;
import io.cpt4j.eval.Task;
import io.cpt4j.eval.TaskException;
import io.cpt4j.eval.TaskOptions;
import io.cpt4j.eval.TaskResult;
import io.cpt4j.eval.ValidationCurve;
import io.cpt4j.eval.internal.Validator;
import io.cpt4j.eval.internal.scoring.CoreScorerProvider;
import io.cpt4j.report.internal.MetricsRecord;
import io.cpt4j.tokenize.Tokenizer;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingException;
import io.cpt4j.train.TrainingListener;
import io.cpt4j.train.TrainingReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run (fresh or resumed) of a resolved {@link RunConfig}: data prepared into token shards,
 * step-0 evaluation, the training loop with evaluations and atomic checkpoints, the final model and
 * report. Deterministic on the CPU: data order, learning rate and the optimizer state are functions
 * of the configuration and the step, so a resumed run repeats the uninterrupted one bit for bit.
 */
final class TrainingRun {
  private static final Logger LOG = LoggerFactory.getLogger("io.cpt4j.train");

  private final RunConfig config;
  private final Backend backend;
  private final List<TrainingListener> listeners;
  private final RunDirectory dir;
  private final FinalLossPredictions predictions;
  private List<Task> tasks = List.of();
  private Tokenizer tokenizer;

  TrainingRun(RunConfig resolved, Backend backend, List<TrainingListener> listeners) {
    this.config = resolved;
    this.backend = backend != null ? backend : Backends.of(resolved.backend());
    this.listeners = listeners;
    this.dir = new RunDirectory(resolved.output());
    this.predictions = FinalLossPredictions.of(resolved);
  }

  /**
   * Runs from step 0, or from {@code resumeFrom} when not null: a complete checkpoint of this run,
   * or for a branch ({@link RunConfig#branchOf()}) the main run's checkpoint it starts from.
   */
  TrainingReport run(Path resumeFrom) {
    long started = System.nanoTime();
    tasks = readTasks(config.tasks());
    Path weights = resumeFrom != null ? resumeFrom : config.base();
    // The base lends config.json and tokenizer files to every checkpoint written; on resume the weights
    // come from the checkpoint resumed from, which a later prune may delete.
    try (Checkpoint base = Checkpoint.open(config.base()); Checkpoint ckpt = Checkpoint.open(weights);
        Tokenizer tokenizer = Tokenizer.open(config.tokenizer());
        Datasets data = Datasets.prepare(config, tokenizer);
        TrainingSession session = backend.open(ckpt, base, sessionOptions())) {
      this.tokenizer = tokenizer;
      LOG.info("cpt4j run {}: {} on {}, {} steps of {} tokens, {}", config.output(), ckpt.config().hfClass(),
          backend.description(), config.steps(), config.batchTokens(), config.mixture());
      Packing packing = data.packing();
      // a branch measures data progress against its main run's plan, so it draws the main run's batches
      long plannedTokens = config.branchOf() != null ? config.branchOf().plannedTokens() : config.tokens();
      MixtureSampler sampler = MixtureSampler.create(config.mixture(), data.train(), packing, plannedTokens);
      long step = 0;
      long skipped = 0;
      long tokens = 0;
      if (resumeFrom != null) {
        JsonNode state = Checkpoints.readState(resumeFrom);
        tokens = state.path("tokens").asLong();
        session.restoreState(resumeFrom.resolve(RunDirectory.TRAINER_STATE));
        sampler.restoreState(state.get("sampler").toString());
        step = state.get("step").asLong();
        skipped = state.path("skipped_steps").asLong();
        dir.metrics().truncateAfter(step);
        if (resumeFrom.startsWith(config.output())) {
          LOG.info("resumed from {} at step {}", resumeFrom, step);
        } else {
          LOG.info("branched from {} at step {}: {}", resumeFrom, step, config.schedule().describe());
        }
      } else {
        dir.metrics().truncateAfter(-1);
      }
      for (TrainingListener l : listeners) {
        l.onStart(config, step, config.steps());
      }
      if (step == 0) {
        evaluate(session, data.validators(), 0, 0);
      }
      Loop loop = new Loop(session, sampler, data.validators(), base, step, skipped, tokens);
      loop.run();
      dir.close();
      TrainingReport report = Reports.finish(config, dir, session, base, loop.tokens, loop.lastLoss, loop.skipped, sampler,
          predictions, (System.nanoTime() - started) / 1e9);
      for (TrainingListener l : listeners) {
        l.onFinish(report);
      }
      return report;
    } finally {
      dir.close();
    }
  }

  private SessionOptions sessionOptions() {
    return SessionOptions.builder().optimizer(config.optimizer()).precision(config.precision())
        .activationCheckpointing(config.activationCheckpointing()).seed(config.seed()).trainable(config.trainable())
        .regularizers(config.regularizers()).build();
  }

  /** Every task file, read and checked before any work, so a bad one stops the run before step 1. */
  private static List<Task> readTasks(List<Path> files) {
    List<Task> read = new ArrayList<>(files.size());
    for (Path f : files) {
      try {
        read.add(Task.read(f));
      } catch (TaskException e) {
        throw new TrainingException("invalid run configuration: tasks: " + e.getMessage(), e);
      }
      for (Task other : read.subList(0, read.size() - 1)) {
        if (other.name().equals(read.getLast().name())) {
          throw new TrainingException("invalid run configuration: tasks: two tasks are named '" + other.name() + "' ("
              + files.get(read.indexOf(other)) + ", " + f + "); metrics.jsonl and the report key tasks by name");
        }
      }
    }
    return List.copyOf(read);
  }

  /**
   * Losses on every validation set, logged as one metrics line, then the tasks' metrics, scored
   * with the live session, as another; then the final-loss predictions from the curves so far.
   */
  private void evaluate(TrainingSession session, Map<String, Validator> validators, long step, long tokens) {
    if (validators.isEmpty() && tasks.isEmpty()) {
      return;
    }
    Map<String, Double> losses = new LinkedHashMap<>();
    if (!validators.isEmpty()) {
      validators.forEach((name, v) -> losses.put(name, v.loss(session)));
      dir.metrics().append(new MetricsRecord.Evaluation(step, tokens, losses));
      LOG.debug("step {}: validation {}", step, losses); // listeners and metrics.jsonl report it
    }
    if (!tasks.isEmpty()) {
      scoreTasks(session, step, tokens);
    }
    if (step > 0) {
      Plotting.write(dir.metricsFile(), dir.plots());
      if (predictions.enabled() && !validators.isEmpty()) {
        List<ValidationCurve> curves = Reports.curves(dir.metrics().read());
        predictions.update(curves, step);
        predictions.plot(curves, dir.plots());
      }
    }
    if (!validators.isEmpty()) {
      for (TrainingListener l : listeners) {
        l.onEvaluation(step, tokens, losses);
      }
    }
  }

  /**
   * Scores every task with the live session (forward passes without autograd: the weights, the
   * optimizer and the data order are untouched) and the run's tokenizer, and logs the metrics.
   */
  private void scoreTasks(TrainingSession session, long step, long tokens) {
    TaskOptions options = config.taskLimit() > 0 ? TaskOptions.builder().limit(config.taskLimit()).build()
        : TaskOptions.defaults();
    Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
    try (Scorer scorer = CoreScorerProvider.borrowing(session, Scorer.Options.defaults())) {
      for (Task task : tasks) {
        TaskResult r;
        try {
          r = task.evaluate(scorer, tokenizer, options);
        } catch (TaskException e) {
          throw new TrainingException("step " + step + ": task '" + task.name() + "' cannot be scored: "
              + e.getMessage(), e);
        }
        scores.put(r.name(), r.metrics());
      }
    }
    dir.metrics().append(new MetricsRecord.TaskScores(step, tokens, scores));
    LOG.info("step {}: tasks {}", step, scores.entrySet().stream()
        .map(t -> t.getKey() + " " + t.getValue().entrySet().stream()
            .map(m -> m.getKey() + " " + String.format(Locale.ROOT, "%.4f", m.getValue()))
            .collect(Collectors.joining(", ")))
        .collect(Collectors.joining("; ")));
  }

  /** The training loop from a given step to the planned end (or until the mixture stops). */
  private final class Loop {
    final TrainingSession session;
    final MixtureSampler sampler;
    final Map<String, Validator> validators;
    final Checkpoint base;
    long step;
    long skipped;
    long tokens;
    int consecutiveBad;
    double lastLoss = Double.NaN;

    Loop(TrainingSession session, MixtureSampler sampler, Map<String, Validator> validators, Checkpoint base,
        long step, long skipped, long tokens) {
      this.tokens = tokens;
      this.session = session;
      this.sampler = sampler;
      this.validators = validators;
      this.base = base;
      this.step = step;
      this.skipped = skipped;
    }

    /** The micro-batches of one step: up to the accumulation count, fewer when the mixture stops. */
    private List<Batch> draw() {
      List<Batch> micro = new ArrayList<>(config.accumulation());
      for (int m = 0; m < config.accumulation() && sampler.hasNext(); m++) {
        micro.add(sampler.next(config.microBatchRows()));
      }
      return micro;
    }

    /**
     * Runs the steps. The micro-batches of step k + 1 are drawn before step k runs and announced to
     * the session ({@link TrainingSession#prefetch}), which may prepare them on the device
     * meanwhile; the sampler's state saved with a checkpoint is taken before that draw, so it is the
     * state after the checkpoint's own step, as without the look-ahead. The draws happen in the same
     * order either way, so the data order is unchanged.
     */
    void run() {
      List<Batch> micro = step < config.steps() ? draw() : List.of();
      while (!micro.isEmpty()) {
        long t0 = System.nanoTime();
        double lr = config.schedule().lr(step, config.steps());
        boolean last = step + 1 == config.steps() || !sampler.hasNext();
        boolean checkpointHere = (config.checkpointEvery() > 0 && (step + 1) % config.checkpointEvery() == 0) || last;
        String samplerState = checkpointHere ? sampler.saveState() : null;
        List<Batch> next = last ? List.of() : draw();
        if (!next.isEmpty()) {
          session.prefetch(next);
        }
        StepResult r = session.step(micro, lr);
        step++;
        long positions = (long) micro.size() * config.microBatchRows() * config.sequenceLength();
        micro = next;
        tokens += positions;
        double seconds = (System.nanoTime() - t0) / 1e9;
        dir.metrics().append(new MetricsRecord.TrainingStep(step, tokens, lr, r.loss(), r.gradNorm(), r.skipped(),
            r.lossScale(), r.terms()));
        for (TrainingListener l : listeners) {
          l.onStep(new TrainingListener.StepEvent(step, config.steps(), tokens, lr, r.loss(), r.gradNorm(),
              r.skipped(), positions / seconds));
        }
        if (r.skipped()) {
          skipped++;
          consecutiveBad++;
          LOG.warn("step {}: non-finite gradient, update skipped ({} in a row)", step, consecutiveBad);
          if (consecutiveBad >= config.maxBadSteps()) {
            throw new TrainingException(consecutiveBad + " consecutive steps had a non-finite loss or gradient (last at "
                + "step " + step + ", loss " + r.loss() + "); the run stopped"
                + dir.latestCheckpoint().map(p -> "; the last good checkpoint is " + p).orElse(" before any checkpoint"));
          }
        } else {
          consecutiveBad = 0;
          lastLoss = r.loss();
        }
        if (step % config.evaluateEvery() == 0 || last) {
          evaluate(session, validators, step, tokens);
        }
        if (checkpointHere) {
          Path written = Checkpoints.write(dir, step, tokens, session, base, samplerState, skipped);
          dir.prune(config.keepLastCheckpoints());
          for (TrainingListener l : listeners) {
            l.onCheckpoint(step, written);
          }
        }
      }
      if (!sampler.hasNext() && step < config.steps()) {
        LOG.info("the mixture stopped at step {} of {}: {}", step, config.steps(), sampler.stats().events());
      }
    }
  }

  /** Token datasets of the mixture's components and the validation sets, and their validators. */
  record Datasets(List<TokenDataset> train, Map<String, Validator> validators, List<TokenDataset> all, Packing packing)
      implements AutoCloseable {
    static Datasets prepare(RunConfig c, Tokenizer tokenizer) {
      int eos = tokenizer.endOfDocumentId(c.base()).orElseThrow(() -> new TrainingException("no end-of-document "
          + "token: the base's config.json and generation_config.json have no eos_token_id and the tokenizer has none of "
          + Tokenizer.END_OF_DOCUMENT_TOKENS));
      List<TokenDataset> all = new ArrayList<>();
      try {
        List<TokenDataset> train = new ArrayList<>();
        for (Mixture.Component comp : c.mixture().components()) {
          TokenDataset d = TokenDataset.prepare(comp.source(), tokenizer, cacheDir(c, "train", comp.source().name()));
          all.add(d);
          train.add(d);
        }
        Map<String, Validator> validators = new LinkedHashMap<>();
        Packing packing = Packing.builder().sequenceLength(c.sequenceLength()).eosId(eos)
            .bosId(c.specialTokens() ? bosId(tokenizer) : -1).build();
        for (Map.Entry<String, Source> e : c.validation().entrySet()) {
          TokenDataset d = TokenDataset.prepare(e.getValue(), tokenizer, cacheDir(c, "validation", e.getKey()));
          all.add(d);
          validators.put(e.getKey(), Validator.build(e.getKey(), d, packing, c.microBatchRows(), c.validationTokens()));
        }
        return new Datasets(train, validators, all, packing);
      } catch (RuntimeException e) {
        all.forEach(TokenDataset::close);
        throw e;
      }
    }

    /** {@code cache/train/NAME} or {@code cache/validation/NAME}, the name made a plain file name. */
    private static Path cacheDir(RunConfig c, String kind, String name) {
      String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
      return c.dataCache().resolve(kind).resolve(safe.startsWith(".") ? "_" + safe : safe);
    }

    /**
     * The BOS the tokenizer puts before a text (its special prefix), or -1: documents are framed as
     * {@code tokenizer(text)} frames them, plus the end-of-document token.
     */
    static int bosId(Tokenizer tokenizer) {
      List<Integer> prefix = tokenizer.specialPrefix();
      if (prefix.size() > 1) {
        throw new TrainingException("the tokenizer puts " + prefix.size() + " special tokens " + prefix
            + " before a text; cpt4j frames documents with one BOS (turn framing off with specialTokens(false))");
      }
      return prefix.isEmpty() ? -1 : prefix.getFirst();
    }

    @Override
    public void close() {
      all.forEach(TokenDataset::close);
    }
  }
}
