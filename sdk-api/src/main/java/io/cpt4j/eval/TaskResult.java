package io.cpt4j.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The scores of one task, as lm-evaluation-harness reports them, and what each document scored.
 * Immutable and thread-safe.
 *
 * <p>Metrics, by {@link TaskType} (each aggregated as the harness aggregates it):
 *
 * <pre>
 * multiple_choice        acc         = mean(pred == gold)
 *                        acc_norm    = mean(argmax(ll / len(choice)) == gold), len in characters
 *                                      (code points) of the choice without the delimiter, as
 *                                      lm-eval 0.4's process_results
 *                        acc_bytes   = mean(argmax(ll / bytes(delimiter + choice)) == gold)
 *                        exact_match = mean(greedy[gold])
 * loglikelihood          perplexity  = exp(-mean(ll)),  acc = mean(greedy)
 * loglikelihood_rolling  word_perplexity = exp(-sum(ll) / sum(words))
 *                        byte_perplexity = exp(-sum(ll) / sum(bytes))
 *                        bits_per_byte   = -sum(ll) / sum(bytes) / ln 2
 * </pre>
 *
 * {@code stderrs} holds, for each mean-aggregated metric, the harness's {@code mean_stderr}: the
 * sample standard deviation (n - 1) over sqrt(n); none when n &lt; 2. (The harness bootstraps the
 * others; cpt4j does not.)
 *
 * @param name the task's name
 * @param type how it was scored
 * @param n documents evaluated
 * @param numFewshot few-shot examples per prompt
 * @param metrics metric name to value, in the task's order (copied, unmodifiable)
 * @param stderrs metric name to standard error, for mean metrics (copied, unmodifiable)
 * @param items one result per document, in document order (copied, unmodifiable)
 */
public record TaskResult(String name, TaskType type, int n, int numFewshot, Map<String, Double> metrics,
    Map<String, Double> stderrs, List<ItemResult> items) {
  public TaskResult {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(metrics, "metrics")));
    stderrs = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(stderrs, "stderrs")));
    items = List.copyOf(Objects.requireNonNull(items, "items"));
    if (n != items.size()) {
      throw new IllegalArgumentException("task '" + name + "': n is " + n + " but there are " + items.size()
          + " items");
    }
  }

  /**
   * The value of metric {@code name}.
   *
   * @throws IllegalArgumentException if the task did not report it (the message lists those it did)
   */
  public double metric(String name) {
    Double v = metrics.get(name);
    if (v == null) {
      throw new IllegalArgumentException("task '" + this.name + "' has no metric '" + name + "' (it has "
          + String.join(", ", metrics.keySet()) + ")");
    }
    return v;
  }

  /**
   * One line: name, type, n, shots and each metric to 4 decimals with its standard error, e.g.
   * {@code arc_easy (multiple_choice, n=2376, 0-shot): acc 0.7433 ± 0.0090, acc_norm 0.7016 ± 0.0094}.
   */
  public String describe() {
    StringBuilder out = new StringBuilder(name).append(" (").append(type.yamlName()).append(", n=").append(n)
        .append(", ").append(numFewshot).append("-shot):");
    String sep = " ";
    for (Map.Entry<String, Double> m : metrics.entrySet()) {
      out.append(sep).append(m.getKey()).append(' ').append(String.format(Locale.ROOT, "%.4f", m.getValue()));
      Double se = stderrs.get(m.getKey());
      if (se != null) {
        out.append(" ± ").append(String.format(Locale.ROOT, "%.4f", se));
      }
      sep = ", ";
    }
    return out.toString();
  }
}
