package io.cpt4j.report.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Synthetic {@code metrics.jsonl} files shaped like a re-warmed continual pre-training run. */
final class MetricsFiles {
  private MetricsFiles() {}

  static final int TOKENS_PER_STEP = 2048;

  /** The learning rate of step {@code s} of {@code n}: linear warmup over 10 steps, cosine to a tenth. */
  static double lr(int s, int n) {
    double max = 3e-4;
    if (s <= 10) {
      return max * s / 10;
    }
    return max * (0.1 + 0.45 * (1 + Math.cos(Math.PI * (s - 10) / (n - 10))));
  }

  /** Training loss of step {@code s}: decaying with a deterministic wiggle. */
  static double loss(int s) {
    return 2.5 + 1.5 * Math.exp(-s / 60.0) + 0.15 * Math.sin(s * 1.7);
  }

  static String trainingLine(int s, int n) {
    return String.format(Locale.ROOT,
        "{\"step\": %d, \"tokens\": %d, \"lr\": %s, \"loss\": %s, \"grad_norm\": 0.8, \"skipped\": false}",
        s, (long) s * TOKENS_PER_STEP, lr(s, n), loss(s));
  }

  /** Evaluation line: "general" rises (forgetting, with a gap) and "code" falls (gain). */
  static String evalLine(int s) {
    double general = 3.4 + 0.3 * Math.sin(Math.min(s, 60) * Math.PI / 60) * (s < 60 ? 1 : 0) + 0.001 * s;
    double code = 4.1 - 1.2 * (1 - Math.exp(-s / 80.0));
    return String.format(Locale.ROOT, "{\"step\": %d, \"tokens\": %d, \"eval\": {\"general\": %s, \"code\": %s}}",
        s, (long) s * TOKENS_PER_STEP, general, code);
  }

  /**
   * {@code n} steps, evaluations every {@code every} steps from step 0, step 37 skipped with a "NaN"
   * loss, step 38 with a NaN literal loss, and a last line cut mid-way.
   */
  static Path write(Path file, int n, int every) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add(evalLine(0));
    for (int s = 1; s <= n; s++) {
      if (s == 37) {
        lines.add(String.format(Locale.ROOT, "{\"step\": 37, \"tokens\": %d, \"lr\": %s, \"loss\": \"NaN\","
            + " \"grad_norm\": \"NaN\", \"skipped\": true}", 37L * TOKENS_PER_STEP, lr(37, n)));
      } else if (s == 38) {
        lines.add(String.format(Locale.ROOT, "{\"step\": 38, \"tokens\": %d, \"lr\": %s, \"loss\": NaN,"
            + " \"grad_norm\": 1.0, \"skipped\": false}", 38L * TOKENS_PER_STEP, lr(38, n)));
      } else {
        lines.add(trainingLine(s, n));
      }
      if (s % every == 0) {
        lines.add(evalLine(s));
      }
    }
    String cut = trainingLine(n + 1, n);
    Files.writeString(file, String.join("\n", lines) + "\n" + cut.substring(0, cut.length() / 2));
    return file;
  }
}
