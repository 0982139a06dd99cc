package io.cpt4j.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The evaluation part of a training report: one {@link SetReport} per named validation set, in the
 * order the sets were declared. Immutable and thread-safe.
 *
 * @param sets the per-set reports, names unique (copied, unmodifiable; may be empty for a run
 *     without validation sets)
 */
public record EvalReport(List<SetReport> sets) {
  public EvalReport {
    sets = List.copyOf(Objects.requireNonNull(sets, "sets"));
    Set<String> seen = new HashSet<>();
    for (SetReport s : sets) {
      if (!seen.add(s.name())) {
        throw new IllegalArgumentException("validation set '" + s.name() + "' appears twice in the report");
      }
    }
  }

  /** The report of {@code curves}, one set per curve, in the same order. */
  public static EvalReport of(List<ValidationCurve> curves) {
    return new EvalReport(curves.stream().map(SetReport::of).toList());
  }

  /** The names of the sets, in order. */
  public List<String> names() {
    return sets.stream().map(SetReport::name).toList();
  }

  /** The report of the set called {@code name}, if there is one. */
  public Optional<SetReport> find(String name) {
    return sets.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /**
   * The report of the set called {@code name}.
   *
   * @throws IllegalArgumentException if there is no such set (the message lists the sets)
   */
  public SetReport set(String name) {
    return find(name).orElseThrow(() -> new IllegalArgumentException(
        "no validation set '" + name + "' in the report (sets: " + String.join(", ", names()) + ")"));
  }

  /**
   * A compact table, one line per set after a header: the loss at step 0 and at the end, the change
   * (absolute and relative; positive is forgetting, negative gain), the perplexities, the lowest loss
   * with its step and the stability gap. Losses in nats to 3 decimals. {@code "no validation sets"}
   * when there are none.
   */
  public String describe() {
    if (sets.isEmpty()) {
      return "no validation sets";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"set", "step 0", "final", "change", "perplexity", "lowest (step)", "stability gap"});
    for (SetReport s : sets) {
      rows.add(new String[] {
          s.name(),
          fixed(s.initialLoss()),
          fixed(s.finalLoss()),
          String.format(Locale.ROOT, "%+.3f (%s)", s.change(), percent(s.relativeChange())),
          String.format(Locale.ROOT, "%.4g -> %.4g", s.initialPerplexity(), s.finalPerplexity()),
          fixed(s.minLoss()) + " (" + s.minLossStep() + ")",
          s.gap().describe()});
    }
    int columns = rows.getFirst().length;
    int[] width = new int[columns];
    for (String[] row : rows) {
      for (int c = 0; c < columns; c++) {
        width[c] = Math.max(width[c], row[c].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < columns; c++) {
        line.append(row[c]);
        if (c < columns - 1) {
          line.append(" ".repeat(width[c] - row[c].length() + 2));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  private static String fixed(double loss) {
    return String.format(Locale.ROOT, "%.3f", loss);
  }

  private static String percent(double relative) {
    return Double.isInfinite(relative) ? "+inf%" : String.format(Locale.ROOT, "%+.1f%%", 100 * relative);
  }
}
