package io.cpt4j.eval;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * How a task is scored: lm-evaluation-harness's {@code output_type}. Each type has its default
 * metrics, the harness's {@code DEFAULT_METRIC_REGISTRY}; a task's {@code metric_list} may name
 * others of {@link #metrics()}.
 */
public enum TaskType {
  /**
   * One loglikelihood request per choice, {@code (context, target_delimiter + choice)}; the
   * prediction is the most likely choice. Default metrics {@code acc}, {@code acc_norm}.
   */
  MULTIPLE_CHOICE("multiple_choice", new String[] {"acc", "acc_norm"},
      new String[] {"acc", "acc_norm", "acc_bytes", "exact_match"}),
  /**
   * One request {@code (context, target)}; default metrics {@code perplexity} (exp of minus the
   * mean loglikelihood) and {@code acc} (the target is the greedy continuation).
   */
  LOGLIKELIHOOD("loglikelihood", new String[] {"perplexity", "acc"}, new String[] {"perplexity", "acc"}),
  /**
   * The loglikelihood of a whole text in disjoint rolling windows of the model's context; default
   * metrics {@code word_perplexity}, {@code byte_perplexity}, {@code bits_per_byte}.
   */
  LOGLIKELIHOOD_ROLLING("loglikelihood_rolling", new String[] {"word_perplexity", "byte_perplexity", "bits_per_byte"},
      new String[] {"word_perplexity", "byte_perplexity", "bits_per_byte"}),
  /**
   * Greedy generation from the prompt until a stop string ({@code generation_kwargs.until}, by
   * default the {@code fewshot_delimiter}) or {@code max_gen_toks}, the answer passed through the
   * task's {@code filter_list} pipelines; default metric {@code exact_match} (answer == target, with
   * the metric's {@code ignore_case}, {@code ignore_punctuation}, {@code ignore_numbers} and {@code
   * regexes_to_ignore}), reported per pipeline as {@code exact_match,NAME} when the task names
   * pipelines.
   */
  GENERATE_UNTIL("generate_until", new String[] {"exact_match"}, new String[] {"exact_match"});

  private final String yamlName;
  private final String[] defaults;
  private final String[] metrics;

  TaskType(String yamlName, String[] defaults, String[] metrics) {
    this.yamlName = yamlName;
    this.defaults = defaults;
    this.metrics = metrics;
  }

  /** The {@code output_type} value, e.g. {@code "multiple_choice"}. */
  public String yamlName() {
    return yamlName;
  }

  /** The metrics reported when a task has no {@code metric_list}, in order. */
  public List<String> defaultMetrics() {
    return List.of(defaults);
  }

  /** Every metric a {@code metric_list} of this type may name. */
  public List<String> metrics() {
    return List.of(metrics);
  }

  /** The type whose {@link #yamlName()} is {@code name}, if one is supported. */
  public static Optional<TaskType> ofYamlName(String name) {
    return Arrays.stream(values()).filter(t -> t.yamlName.equals(name)).findFirst();
  }
}
