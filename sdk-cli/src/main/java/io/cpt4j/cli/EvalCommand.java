package io.cpt4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.backend.Backends;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.eval.ItemResult;
import io.cpt4j.eval.Scorer;
import io.cpt4j.eval.Task;
import io.cpt4j.eval.TaskOptions;
import io.cpt4j.eval.TaskResult;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j eval MODEL --task FILE [--task FILE ...]}: lm-evaluation-harness-style task scores. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Score a model on tasks, as lm-evaluation-harness does.",
      "MODEL is a checkpoint directory or an exported ONNX directory (with",
      "tokenizer.json). A task is an lm-eval task YAML over local JSONL data",
      "(multiple_choice, loglikelihood, loglikelihood_rolling) or a JSONL file of",
      "{\"context\": ..., \"choices\": [...], \"gold\": i} lines. Prints a table, or",
      "with --json every metric and each item's loglikelihoods. See docs/eval.md."
    })
final class EvalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "MODEL", description = "A checkpoint or ONNX directory.")
  Path model;

  @Option(names = "--task", paramLabel = "FILE", required = true,
      description = "A task YAML or JSONL file (repeat for several).")
  List<Path> tasks;

  @Option(names = "--limit", paramLabel = "N", description = "Score only the first N documents of each task.")
  Integer limit;

  @Option(names = "--num-fewshot", paramLabel = "K", description = "Few-shot examples per prompt (default: the task's).")
  Integer numFewshot;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1234",
      description = "Seed of the few-shot sampler (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--backend", paramLabel = "SPEC", defaultValue = "cpu",
      description = "For a checkpoint: cpu, cpu:THREADS, gpu, gpu:INDEX or auto (default: ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
      description = "CPU threads (default: 0 = one per core; ONNX Runtime's default for ONNX).")
  int threads;

  @Option(names = "--batch-tokens", paramLabel = "N", defaultValue = "8192",
      description = "Tokens per forward pass (default: ${DEFAULT-VALUE}).")
  int batchTokens;

  @Option(names = "--no-packing", description = "One padded row per request instead of several requests a row.")
  boolean noPacking;

  @Option(names = "--json", description = "Print JSON: {\"tasks\": {NAME: {metrics..., \"n\", \"items\": [...]}}}.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    if (limit != null && limit < 1) {
      throw new ParameterException(spec.commandLine(), "--limit must be >= 1, got " + limit);
    }
    if (numFewshot != null && numFewshot < 0) {
      throw new ParameterException(spec.commandLine(), "--num-fewshot must be >= 0, got " + numFewshot);
    }
    if (threads < 0 || batchTokens < 1) {
      throw new ParameterException(spec.commandLine(), "--threads must be >= 0 and --batch-tokens >= 1");
    }
    List<Task> read = new ArrayList<>();
    for (Path t : tasks) {
      read.add(Task.read(t)); // every file is checked before the model loads
    }
    Scorer.Options options = new Scorer.Options(!noPacking, batchTokens, threads);
    TaskOptions.Builder taskOptions = TaskOptions.builder().seed(seed);
    if (limit != null) {
      taskOptions.limit(limit);
    }
    if (numFewshot != null) {
      taskOptions.numFewshot(numFewshot);
    }
    List<TaskResult> results = score(model, read, () -> open(options), taskOptions.build());
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? json(results) : table(results));
    out.flush();
    return 0;
  }

  private Scorer open(Scorer.Options options) {
    boolean onnx = Files.isRegularFile(model.resolve("model.onnx"));
    if (onnx || backend.equals("cpu")) {
      return Scorer.open(model, options); // ONNX, or the CPU with --threads
    }
    try {
      return Scorer.open(model, Backends.of(backend), options);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--backend: " + e.getMessage());
    }
  }

  /**
   * Scores {@code tasks} on {@code model} (a checkpoint or ONNX directory with its tokenizer.json)
   * with the scorer {@code opener} gives, each with a progress bar on a terminal; used by {@code
   * eval} and {@code merge --eval}.
   */
  static List<TaskResult> score(Path model, List<Task> tasks, Supplier<Scorer> opener, TaskOptions options) {
    Path tokenizerFile = model.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new CheckpointException(model, "no tokenizer.json: tasks are text, so the model's tokenizer is needed");
    }
    List<TaskResult> results = new ArrayList<>();
    try (Tokenizer tokenizer = Tokenizer.open(tokenizerFile); Scorer scorer = opener.get()) {
      for (Task task : tasks) {
        results.add(evaluate(task, scorer, tokenizer, options));
      }
    }
    return results;
  }

  private static TaskResult evaluate(Task task, Scorer scorer, Tokenizer tokenizer, TaskOptions options) {
    if (!ProgressLine.stderrIsTerminal()) {
      return task.evaluate(scorer, tokenizer, options);
    }
    ProgressBar[] bar = new ProgressBar[1];
    TaskOptions withBar = options.newBuilder().progress((scored, total) -> {
      if (bar[0] == null) {
        bar[0] = new ProgressBarBuilder().setTaskName(task.name()).setInitialMax(total)
            .setStyle(ProgressBarStyle.UNICODE_BLOCK).setUnit(" requests", 1).setUpdateIntervalMillis(200)
            .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
      }
      bar[0].stepTo(scored);
    }).build();
    try {
      return task.evaluate(scorer, tokenizer, withBar);
    } finally {
      if (bar[0] != null) {
        bar[0].close();
      }
    }
  }

  /** One row per task and metric: {@code task  n  shots  metric  value  ± stderr}. */
  static String table(List<TaskResult> results) {
    StringBuilder out = new StringBuilder();
    int width = Math.max(4, results.stream().mapToInt(r -> r.name().length()).max().orElse(4));
    int metricWidth = Math.max(15, results.stream().flatMap(r -> r.metrics().keySet().stream())
        .mapToInt(String::length).max().orElse(15));
    out.append(String.format(Locale.ROOT, "%-" + width + "s  %6s  %5s  %-" + metricWidth + "s  %8s  %8s%n", "task", "n",
        "shots", "metric", "value", "stderr"));
    for (TaskResult r : results) {
      for (Map.Entry<String, Double> m : r.metrics().entrySet()) {
        Double se = r.stderrs().get(m.getKey());
        out.append(String.format(Locale.ROOT, "%-" + width + "s  %6d  %5d  %-" + metricWidth + "s  %8.4f  %8s%n",
            r.name(), r.n(),
            r.numFewshot(), m.getKey(), m.getValue(), se == null ? "" : String.format(Locale.ROOT, "%.4f", se)));
      }
    }
    return out.toString();
  }

  /**
   * {@code {"tasks": {NAME: {METRIC: v, "<metric>_stderr": se, "n", "num_fewshot", "type", "items"}}}}; a
   * generation's items hold {@code generated}, {@code tokens}, {@code filtered} and {@code target}.
   */
  static String json(List<TaskResult> results) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    ObjectNode tasksNode = root.putObject("tasks");
    for (TaskResult r : results) {
      ObjectNode t = tasksNode.putObject(r.name());
      r.metrics().forEach(t::put);
      r.stderrs().forEach((k, v) -> t.put(k + "_stderr", v));
      t.put("n", r.n());
      t.put("num_fewshot", r.numFewshot());
      t.put("type", r.type().yamlName());
      ArrayNode items = t.putArray("items");
      for (ItemResult item : r.items()) {
        ObjectNode i = items.addObject();
        i.put("doc", item.doc());
        item.loglikelihoods().forEach(i.putArray("loglikelihoods")::add);
        item.greedy().forEach(i.putArray("greedy")::add);
        if (item.pred() >= 0) {
          i.put("pred", item.pred());
          i.put("pred_norm", item.predNorm());
        }
        if (item.gold() >= 0) {
          i.put("gold", item.gold());
        }
        if (item.bytes() > 0) {
          i.put("words", item.words());
          i.put("bytes", item.bytes());
        }
        if (item.generated() != null) { // the harness's resps, filtered_resps and target
          i.put("generated", item.generated().text());
          i.put("tokens", item.generated().tokens());
          item.generated().filtered().forEach(i.putObject("filtered")::put);
          i.put("target", item.generated().target());
          i.remove(List.of("loglikelihoods", "greedy"));
        }
      }
    }
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + System.lineSeparator();
  }
}
