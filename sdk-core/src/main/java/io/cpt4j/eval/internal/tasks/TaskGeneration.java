package io.cpt4j.eval.internal.tasks;

import io.cpt4j.eval.GeneratedText;
import io.cpt4j.eval.GenerationRequest;
import io.cpt4j.eval.ItemResult;
import io.cpt4j.eval.Scorer;
import io.cpt4j.eval.TaskException;
import io.cpt4j.eval.TaskOptions;
import io.cpt4j.eval.TaskResult;
import io.cpt4j.eval.internal.tasks.AnswerFilters.Pipeline;
import io.cpt4j.eval.internal.tasks.DocRenderer.Rendered;
import io.cpt4j.eval.internal.tasks.GenerationKeys.GenerationSpec;
import io.cpt4j.tokenize.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A {@code generate_until} task evaluated as the harness's HFLM does it:
 *
 * <pre>
 * prompt  = special prefix + encode(context)          (context: description, few-shot examples, text)
 * until   = generation_kwargs.until + [decode(eos)]   (eos: the model's first eos_token_id)
 * tokens  = greedy generation of up to max_gen_toks tokens, stopping at the model's eos ids or once
 *           the decoded text holds a stop string; the prompt keeps its last max_length - max_gen_toks
 * answer  = decode(tokens without the stop token, skip_special_tokens=True), then for each stop
 *           string in order: answer.split(term)[0]
 * each filter pipeline maps the answer; exact_match compares it with the target
 * </pre>
 *
 * Documents are generated {@value #CALL} a scorer call (progress counts documents). Stateless.
 */
final class TaskGeneration {
  private TaskGeneration() {}

  /** Documents per scorer call: enough for a checkpoint to pack each step's sequences well. */
  static final int CALL = 128;

  static TaskResult evaluate(TaskSpec spec, List<String> contexts, List<Rendered> rendered, int k, Scorer scorer,
      Tokenizer tokenizer, TaskOptions options) {
    GenerationSpec g = spec.generation();
    if (g.maxGenToks() >= scorer.maxLength()) {
      throw new TaskException(spec.file() + ": generation_kwargs.max_gen_toks " + g.maxGenToks() + " leaves no room "
          + "for the prompt in the model's context of " + scorer.maxLength() + " tokens (the harness refuses it too)");
    }
    List<Integer> stops = scorer.config().eosTokenIds();
    List<String> until = new ArrayList<>(g.until());
    if (!stops.isEmpty()) {
      until.add(tokenizer.decode(new int[] {stops.getFirst()}, false));
    }
    Predicate<int[]> stopped = tokens -> {
      String text = tokenizer.decode(withoutStop(tokens, stops), true);
      return until.stream().anyMatch(t -> !t.isEmpty() && text.contains(t));
    };
    List<int[]> prompts = new RequestEncoder(tokenizer).prompts(contexts);
    int n = prompts.size();
    List<int[]> generated = new ArrayList<>(n);
    options.progress().update(0, n);
    for (int from = 0; from < n; from += CALL) {
      List<GenerationRequest> call = prompts.subList(from, Math.min(n, from + CALL)).stream()
          .map(p -> new GenerationRequest(p, g.maxGenToks(), stops, stopped)).toList();
      List<int[]> answers = scorer.generate(call);
      if (answers.size() != call.size()) {
        throw new IllegalStateException("the scorer answered " + answers.size() + " of " + call.size() + " requests");
      }
      generated.addAll(answers);
      options.progress().update(generated.size(), n);
    }
    List<ItemResult> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int[] tokens = generated.get(i);
      String text = AnswerFilters.cut(tokenizer.decode(withoutStop(tokens, stops), true), until);
      Map<String, String> filtered = new LinkedHashMap<>();
      for (Pipeline p : g.pipelines()) {
        filtered.put(p.name(), p.apply(text));
      }
      items.add(ItemResult.ofGeneration(i, new GeneratedText(text, tokens.length, filtered,
          rendered.get(i).target())));
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    Map<String, Double> stderrs = new LinkedHashMap<>();
    for (String metric : spec.metrics()) { // exact_match, the one generation metric
      for (Pipeline p : g.pipelines()) {
        double[] hits = new double[n];
        for (int i = 0; i < n; i++) {
          GeneratedText a = items.get(i).generated();
          hits[i] = g.exactMatch().matches(a.filtered().get(p.name()), a.target()) ? 1 : 0;
        }
        TaskMetrics.mean(GenerationSpec.metricName(metric, p), hits, metrics, stderrs);
      }
    }
    return new TaskResult(spec.name(), spec.type(), n, k, metrics, stderrs, items);
  }

  /** {@code tokens} without a final stop token. */
  private static int[] withoutStop(int[] tokens, List<Integer> stops) {
    int n = tokens.length;
    return n > 0 && stops.contains(tokens[n - 1]) ? Arrays.copyOf(tokens, n - 1) : tokens;
  }
}
