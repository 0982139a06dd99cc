package io.cpt4j.train.internal;

import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fills a {@link RunConfig}'s defaults against the base model and checks every field, before any
 * work: a {@link TrainingException} names the first invalid field and says why.
 */
final class RunResolver {
  static final int DEFAULT_ROWS = 8;
  static final long DEFAULT_VALIDATION_TOKENS = 65_536;
  static final int DEFAULT_KEEP = 2;
  static final int DEFAULT_MAX_BAD_STEPS = 5;

  private RunResolver() {}

  /** The base checkpoint directory, checked to exist (its config is read by the caller). */
  static Path requireBase(RunConfig c) {
    if (c.base() == null) {
      throw bad("base", "is required: the checkpoint directory to continue from");
    }
    if (!Files.isDirectory(c.base())) {
      throw bad("base", "is not a directory: " + c.base());
    }
    return c.base();
  }

  static RunConfig resolve(RunConfig c, ModelConfig model) {
    if (c.output() == null) {
      throw bad("output", "is required: the run directory");
    }
    if (c.mixture() == null) {
      throw bad("mixture", "is required: the training data (mix(...) or data(...))");
    }
    if (c.schedule() == null) {
      throw bad("schedule", "is required: the learning-rate schedule (rewarm(...) or schedule(...))");
    }
    Path tokenizer = c.tokenizer() != null ? c.tokenizer() : c.base().resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizer)) {
      throw bad("tokenizer", tokenizer + " does not exist (the base checkpoint has no tokenizer.json: name one)");
    }
    int seq = c.sequenceLength() > 0 ? c.sequenceLength() : Math.min(1024, model.maxPositionEmbeddings());
    if (c.sequenceLength() < 0) {
      throw bad("sequenceLength", "must be > 0, got " + c.sequenceLength());
    }
    if (seq > model.maxPositionEmbeddings()) {
      throw bad("sequenceLength", seq + " exceeds the model's max_position_embeddings " + model.maxPositionEmbeddings());
    }
    long batch = c.batchTokens() > 0 ? c.batchTokens() : (long) DEFAULT_ROWS * seq;
    if (c.batchTokens() < 0 || batch % seq != 0) {
      throw bad("batchTokens", "must be a positive multiple of sequenceLength " + seq + ", got " + c.batchTokens());
    }
    long micro = c.microBatchTokens() > 0 ? c.microBatchTokens() : batch;
    if (c.microBatchTokens() < 0 || micro % seq != 0 || batch % micro != 0) {
      throw bad("microBatchTokens", "must be a multiple of sequenceLength " + seq + " that divides batchTokens "
          + batch + ", got " + c.microBatchTokens());
    }
    if (c.tokens() < 0 || c.steps() < 0) {
      throw bad(c.tokens() < 0 ? "tokens" : "steps", "must be >= 0");
    }
    if (c.tokens() > 0 && c.steps() > 0) {
      throw bad("tokens", "and steps are both set (" + c.tokens() + ", " + c.steps() + "): give one");
    }
    if (c.tokens() == 0 && c.steps() == 0) {
      throw bad("tokens", "or steps is required: how long to train");
    }
    long steps = c.steps() > 0 ? c.steps() : (c.tokens() + batch - 1) / batch;
    long tokens = steps * batch;
    try {
      c.schedule().validateFor(steps);
    } catch (IllegalArgumentException e) {
      throw bad("schedule", e.getMessage());
    }
    long evalEvery = c.evaluateEvery() > 0 ? c.evaluateEvery() : Math.max(1, steps / 10);
    if (c.evaluateEvery() < 0 || c.checkpointEvery() < 0) {
      throw bad(c.evaluateEvery() < 0 ? "evaluateEvery" : "checkpointEvery", "must be >= 0");
    }
    int keep = c.keepLastCheckpoints() > 0 ? c.keepLastCheckpoints() : DEFAULT_KEEP;
    long valTokens = c.validationTokens() > 0 ? c.validationTokens() : DEFAULT_VALIDATION_TOKENS;
    if (valTokens < seq) {
      throw bad("validationTokens", "must be at least one row (" + seq + "), got " + valTokens);
    }
    int maxBad = c.maxBadSteps() > 0 ? c.maxBadSteps() : DEFAULT_MAX_BAD_STEPS;
    if (c.keepLastCheckpoints() < 0 || c.maxBadSteps() < 0 || c.validationTokens() < 0) {
      throw bad("keepLastCheckpoints", "keepLastCheckpoints, maxBadSteps and validationTokens must be >= 0");
    }
    if (c.taskLimit() < 0) {
      throw bad("taskLimit", "must be >= 0 (0 = every document), got " + c.taskLimit());
    }
    String backend = c.backend();
    if (!backend.matches("cpu(:\\d+)?|gpu(:\\d+)?|auto")) {
      throw bad("backend", "must be cpu, cpu:THREADS, gpu, gpu:INDEX or auto, got '" + backend + "'");
    }
    if (backend.equals("cpu") || backend.equals("cpu:0")) {
      // the thread count decides the order of parallel reductions: record it, so a resume (perhaps
      // on another machine) runs with the same count and repeats the run bit for bit
      backend = "cpu:" + Runtime.getRuntime().availableProcessors();
    }
    checkForgettingControl(c, model);
    Path output = c.output().toAbsolutePath().normalize();
    Path cache = c.dataCache() != null ? c.dataCache().toAbsolutePath().normalize() : output.resolve("data");
    return c.newBuilder().base(c.base().toAbsolutePath().normalize()).tokenizer(tokenizer.toAbsolutePath().normalize())
        .tokens(tokens).steps(steps).sequenceLength(seq).batchTokens(batch).microBatchTokens(micro).backend(backend)
        .validationTokens(valTokens).evaluateEvery(evalEvery).keepLastCheckpoints(keep).output(output).dataCache(cache)
        .tasks(c.tasks().stream().map(f -> f.toAbsolutePath().normalize()).toList())
        .maxBadSteps(maxBad).build();
  }

  /** Trainable patterns match tensors of the model; regularizers are one of each kind, on mixture sources. */
  private static void checkForgettingControl(RunConfig c, ModelConfig model) {
    try {
      c.trainable().select(model.expectedTensors().keySet());
    } catch (IllegalArgumentException e) {
      throw bad("trainable", e.getMessage().replaceFirst("^trainable ", ""));
    }
    java.util.Set<String> names = new java.util.LinkedHashSet<>();
    c.mixture().components().forEach(comp -> names.add(comp.source().name()));
    java.util.Set<io.cpt4j.backend.Regularizer.Kind> kinds = new java.util.HashSet<>();
    for (io.cpt4j.backend.Regularizer r : c.regularizers()) {
      if (!kinds.add(r.kind())) {
        throw bad("regularize", "has two " + r.kind().key() + " regularizers: give one of each kind");
      }
      for (String s : r.sources()) {
        if (names.stream().noneMatch(n -> n.equals(s) || n.equals(s + "/train"))) {
          throw bad("regularize", r.describe() + " names source '" + s + "', which is not in the mixture (sources: "
              + String.join(", ", names) + ")");
        }
      }
    }
  }

  static TrainingException bad(String field, String why) {
    return new TrainingException("invalid run configuration: " + field + " " + why);
  }
}
