package io.cpt4j.eval.internal.tasks;

import io.cpt4j.eval.ItemResult;
import io.cpt4j.eval.TaskType;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The harness's per-document metrics and their aggregations (see {@link io.cpt4j.eval.TaskResult}
 * for the formulas), with {@code mean_stderr} for mean metrics. Stateless.
 */
final class TaskMetrics {
  private TaskMetrics() {}

  private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

  /** The harness's aggregation of {@code metric}: mean, perplexity, weighted_perplexity or bits_per_byte. */
  static String aggregation(String metric) {
    return switch (metric) {
      case "perplexity" -> "perplexity";
      case "word_perplexity", "byte_perplexity" -> "weighted_perplexity";
      case "bits_per_byte" -> "bits_per_byte";
      default -> "mean";
    };
  }

  /** {@code len(re.split(r"\s+", text))}: leading and trailing whitespace count as a word boundary each. */
  static long words(String text) {
    return WHITESPACE.split(text, -1).length;
  }

  /** UTF-8 bytes of {@code text}. */
  static long bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  /** The argmax of {@code values[i] / lengths[i]}, first on ties (numpy's argmax). */
  static int argmax(List<Double> values, double[] lengths) {
    int best = 0;
    double bestValue = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < values.size(); i++) {
      double v = lengths == null ? values.get(i) : values.get(i) / lengths[i];
      if (v > bestValue || i == 0) {
        best = i;
        bestValue = v;
      }
    }
    return best;
  }

  /**
   * The metrics named in {@code names} over {@code items}, in that order; {@code bytePreds} holds
   * each item's prediction per byte of {@code target_delimiter + choice} (for acc_bytes). Standard
   * errors of mean metrics go to {@code stderrs}.
   */
  static Map<String, Double> compute(TaskType type, List<String> names, List<ItemResult> items, int[] bytePreds,
      Map<String, Double> stderrs) {
    Map<String, Double> out = new LinkedHashMap<>();
    int n = items.size();
    for (String name : names) {
      if (!aggregation(name).equals("mean")) {
        double ll = items.stream().mapToDouble(ItemResult::logprob).sum();
        double words = items.stream().mapToDouble(ItemResult::words).sum();
        double bytes = items.stream().mapToDouble(ItemResult::bytes).sum();
        out.put(name, switch (name) {
          case "perplexity" -> Math.exp(-ll / n);
          case "word_perplexity" -> Math.exp(-ll / words);
          case "byte_perplexity" -> Math.exp(-ll / bytes);
          case "bits_per_byte" -> -ll / bytes / Math.log(2);
          default -> throw new IllegalArgumentException(name);
        });
        continue;
      }
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        ItemResult r = items.get(i);
        boolean hit = switch (name) {
          case "acc" -> type == TaskType.MULTIPLE_CHOICE ? r.pred() == r.gold() : r.greedy().getFirst();
          case "acc_norm" -> r.predNorm() == r.gold();
          case "acc_bytes" -> bytePreds[i] == r.gold();
          case "exact_match" -> r.greedy().get(r.gold());
          default -> throw new IllegalArgumentException(name);
        };
        v[i] = hit ? 1 : 0;
      }
      mean(name, v, out, stderrs);
    }
    return out;
  }

  static void mean(String name, double[] v, Map<String, Double> out, Map<String, Double> stderrs) {
    int n = v.length;
    double sum = 0;
    for (double x : v) {
      sum += x;
    }
    double mean = sum / n;
    out.put(name, mean);
    if (n >= 2) { // sample standard deviation (n - 1) over sqrt(n): the harness's mean_stderr
      double ss = 0;
      for (double x : v) {
        ss += (x - mean) * (x - mean);
      }
      stderrs.put(name, Math.sqrt(ss / (n - 1)) / Math.sqrt(n));
    }
  }
}
