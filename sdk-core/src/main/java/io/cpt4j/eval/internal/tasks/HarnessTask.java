package io.cpt4j.eval.internal.tasks;

import io.cpt4j.eval.ItemResult;
import io.cpt4j.eval.Loglikelihood;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Scorer;
import io.cpt4j.eval.Task;
import io.cpt4j.eval.TaskException;
import io.cpt4j.eval.TaskOptions;
import io.cpt4j.eval.TaskResult;
import io.cpt4j.eval.TaskType;
import io.cpt4j.eval.internal.tasks.DocRenderer.Rendered;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A task read from a YAML or minimal JSONL file: its spec and every evaluated document, rendered
 * and checked once when read. {@link #evaluate} builds the contexts ({@link Prompts}), encodes the
 * requests ({@link RequestEncoder}), scores them in calls of at most {@value #CALL} requests and
 * aggregates ({@link TaskMetrics}). Immutable and thread-safe.
 */
final class HarnessTask implements Task {
  /** Requests per scorer call: large enough for the scorer to sort and pack them well. */
  static final int CALL = 16_384;

  private final TaskSpec spec;
  private final DocRenderer renderer;
  private final List<Rendered> rendered;

  HarnessTask(TaskSpec spec) {
    this.spec = spec;
    this.renderer = new DocRenderer(spec);
    this.rendered = spec.data().evalDocs().stream().map(renderer::render).toList();
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public TaskType outputType() {
    return spec.type();
  }

  @Override
  public int size() {
    return rendered.size();
  }

  @Override
  public int numFewshot() {
    return spec.numFewshot();
  }

  @Override
  public String describe() {
    TaskSpec.TaskData data = spec.data();
    String prompt = new Prompts(spec, renderer, 0, 0).context(data.evalDocs().getFirst(), rendered.getFirst());
    return spec.name() + " (" + spec.type().yamlName() + ", " + spec.file() + ")\n"
        + "  documents: " + size() + " (split '" + data.evalSplit() + "' of " + data.source() + ")\n"
        + "  few-shot: " + spec.numFewshot() + (data.fewshotSplit() == null ? ""
            : " from split '" + data.fewshotSplit() + "'" + (spec.firstN() ? " (first_n)" : ""))
        + ", target_delimiter " + quote(spec.targetDelimiter()) + ", fewshot_delimiter "
        + quote(spec.fewshotDelimiter()) + "\n"
        + "  metrics: " + String.join(", ", spec.metrics()) + "\n"
        + (spec.generation() == null ? "" : "  generation: until " + spec.generation().until().stream()
            .map(HarnessTask::quote).toList() + ", max_gen_toks " + spec.generation().maxGenToks() + ", filters "
            + spec.generation().pipelines().stream().map(p -> p.name()).toList() + "\n")
        + "  first prompt: " + quote(prompt) + (rendered.getFirst().choices().isEmpty() ? ""
            : " choices " + rendered.getFirst().choices().stream().map(HarnessTask::quote).toList());
  }

  @Override
  public TaskResult evaluate(Scorer scorer, Tokenizer tokenizer, TaskOptions options) {
    Objects.requireNonNull(scorer, "scorer");
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(options, "options");
    int n = Math.min(size(), options.limit().orElse(Integer.MAX_VALUE));
    int k = options.numFewshot().orElse(spec.numFewshot());
    if (k > 0 && spec.type() == TaskType.LOGLIKELIHOOD_ROLLING) {
      throw new TaskException(spec.file() + ": loglikelihood_rolling tasks take no few-shot examples (asked for "
          + k + ")");
    }
    if (spec.type() == TaskType.GENERATE_UNTIL) {
      Prompts prompts = new Prompts(spec, renderer, k, options.seed());
      List<String> contexts = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        contexts.add(prompts.context(spec.data().evalDocs().get(i), rendered.get(i)));
      }
      return TaskGeneration.evaluate(spec, contexts, rendered.subList(0, n), k, scorer, tokenizer, options);
    }
    RequestEncoder encoder = new RequestEncoder(tokenizer);
    int[] first = new int[n + 1]; // requests of document i: first[i] until first[i + 1]
    List<LoglikelihoodRequest> requests = spec.type() == TaskType.LOGLIKELIHOOD_ROLLING
        ? rollingRequests(n, encoder, scorer.maxLength(), first)
        : pairRequests(n, k, options.seed(), encoder, first);
    List<Loglikelihood> answers = score(scorer, requests, options.progress());
    List<ItemResult> items = new ArrayList<>(n);
    int[] bytePreds = new int[n];
    for (int i = 0; i < n; i++) {
      items.add(item(i, answers.subList(first[i], first[i + 1]), requests.subList(first[i], first[i + 1])));
      bytePreds[i] = bytePrediction(items.get(i), rendered.get(i));
    }
    Map<String, Double> stderrs = new LinkedHashMap<>();
    Map<String, Double> metrics = TaskMetrics.compute(spec.type(), spec.metrics(), items, bytePreds, stderrs);
    return new TaskResult(spec.name(), spec.type(), n, k, metrics, stderrs, items);
  }

  private List<LoglikelihoodRequest> pairRequests(int n, int k, long seed, RequestEncoder encoder, int[] first) {
    Prompts prompts = new Prompts(spec, renderer, k, seed);
    List<String> contexts = new ArrayList<>();
    List<String> continuations = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      TaskDoc doc = spec.data().evalDocs().get(i);
      Rendered r = rendered.get(i);
      String context = prompts.context(doc, r);
      first[i] = contexts.size();
      if (spec.type() == TaskType.MULTIPLE_CHOICE) {
        for (int c = 0; c < r.choices().size(); c++) {
          contexts.add(context);
          continuations.add(spec.targetDelimiter() + r.choices().get(c));
          labels.add(doc.where() + ": choice " + c);
        }
      } else {
        contexts.add(context);
        continuations.add(r.target());
        labels.add(doc.where() + ": doc_to_target");
      }
    }
    first[n] = contexts.size();
    return encoder.pairs(contexts, continuations, labels);
  }

  private List<LoglikelihoodRequest> rollingRequests(int n, RequestEncoder encoder, int maxLength, int[] first) {
    List<int[]> tokens = encoder.encodeAll(rendered.subList(0, n).stream().map(Rendered::target).toList());
    List<LoglikelihoodRequest> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      first[i] = out.size();
      int[] prefix = tokens.get(i).length == 0 ? new int[0] : encoder.emptyContext();
      for (int[][] w : RequestEncoder.rollingWindows(tokens.get(i), prefix, maxLength)) {
        out.add(new LoglikelihoodRequest(w[0], w[1]));
      }
    }
    first[n] = out.size();
    return out;
  }

  private static List<Loglikelihood> score(Scorer scorer, List<LoglikelihoodRequest> requests,
      TaskOptions.Progress progress) {
    List<Loglikelihood> out = new ArrayList<>(requests.size());
    progress.update(0, requests.size());
    for (int from = 0; from < requests.size(); from += CALL) {
      List<LoglikelihoodRequest> call = requests.subList(from, Math.min(requests.size(), from + CALL));
      List<Loglikelihood> answers = scorer.score(call);
      if (answers.size() != call.size()) {
        throw new IllegalStateException("the scorer answered " + answers.size() + " of " + call.size() + " requests");
      }
      out.addAll(answers);
      progress.update(out.size(), requests.size());
    }
    return out;
  }

  private ItemResult item(int doc, List<Loglikelihood> answers, List<LoglikelihoodRequest> requests) {
    Rendered r = rendered.get(doc);
    if (spec.type() == TaskType.LOGLIKELIHOOD_ROLLING) { // one text: the sum over its windows
      double ll = 0;
      boolean greedy = true;
      int tokens = 0;
      for (Loglikelihood a : answers) {
        ll += a.logprob();
        greedy &= a.greedy();
        tokens += a.tokens();
      }
      return new ItemResult(doc, List.of(ll), List.of(greedy), List.of(tokens), -1, -1, -1,
          TaskMetrics.words(r.target()), TaskMetrics.bytes(r.target()));
    }
    List<Double> lls = answers.stream().map(Loglikelihood::logprob).toList();
    List<Boolean> greedy = answers.stream().map(Loglikelihood::greedy).toList();
    List<Integer> tokens = requests.stream().map(q -> q.continuation().length).toList();
    if (spec.type() == TaskType.LOGLIKELIHOOD) {
      return new ItemResult(doc, lls, greedy, tokens, -1, -1, -1, 0, 0);
    }
    double[] chars = r.choices().stream().mapToDouble(c -> c.codePointCount(0, c.length())).toArray();
    return new ItemResult(doc, lls, greedy, tokens, TaskMetrics.argmax(lls, null), TaskMetrics.argmax(lls, chars),
        r.gold(), 0, 0);
  }

  /** acc_bytes's prediction: the most likely choice per UTF-8 byte of target_delimiter + choice. */
  private int bytePrediction(ItemResult item, Rendered r) {
    if (spec.type() != TaskType.MULTIPLE_CHOICE) {
      return -1;
    }
    double[] bytes = r.choices().stream()
        .mapToDouble(c -> (spec.targetDelimiter() + c).getBytes(StandardCharsets.UTF_8).length).toArray();
    return TaskMetrics.argmax(item.loglikelihoods(), bytes);
  }

  private static String quote(String s) {
    String q = "\"" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\"", "\\\"") + "\"";
    return q.length() > 200 ? q.substring(0, 197) + "...\"" : q;
  }
}
