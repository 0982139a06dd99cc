package io.cpt4j.examples.bench;

import io.cpt4j.merge.MergeMethod;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The merge methods {@link MergeBenchmark} times, each as its cpt4j configuration and its numpy peer:
 * a script in {@code sdk-examples/src/main/python} that computes the same result, so the two outputs
 * can be compared element by element. Every model has weight 1 and λ is 1; TIES and DELLA trim each
 * model to the benchmark's density, DELLA with its defaults (ε 0.15, seed 0); SCE takes no density
 * (its default {@code select_topk} 1).
 */
enum MergeBenchMethod {
  TIES("TIES", "ties_merge.py"),
  DELLA("DELLA", "della_merge.py"),
  SCE("SCE", "sce_merge.py");

  /** The name in the report's lines. */
  final String label;
  private final String script;

  MergeBenchMethod(String label, String script) {
    this.label = label;
    this.script = script;
  }

  /** The method named by {@code --method}. */
  static MergeBenchMethod of(String name) {
    for (MergeBenchMethod m : values()) {
      if (m.name().equalsIgnoreCase(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("--method must be ties, della or sce, got " + name);
  }

  /** The method as cpt4j runs it. */
  MergeMethod method() {
    return switch (this) {
      case TIES -> new MergeMethod.Ties(1, true);
      case DELLA -> new MergeMethod.Della();
      case SCE -> new MergeMethod.Sce();
    };
  }

  /** Each model's density in the merge: the benchmark's, or 1 for SCE, which does not trim by density. */
  double density(double density) {
    return this == SCE ? 1 : density;
  }

  /** The method and its parameters, as the report's first line names them. */
  String parameters(double density) {
    return switch (method()) {
      case MergeMethod.Della d -> String.format(Locale.ROOT, "DELLA density %.2f, epsilon %.2f, seed %d", density,
          d.epsilon(), d.seed());
      case MergeMethod.Sce s -> String.format(Locale.ROOT, "SCE select_topk %s", s.selectTopk());
      default -> String.format(Locale.ROOT, "%s density %.2f", label, density);
    };
  }

  /** The numpy peer's default script. */
  Path script() {
    return Path.of("sdk-examples/src/main/python", script);
  }

  /**
   * The numpy peer's command line: merges {@code inputs} (the base first) into {@code out} with the
   * same parameters, then compares its output with {@code compareTo} element by element.
   */
  List<String> numpyCommand(Path script, List<Path> inputs, Path out, double density, Path compareTo) {
    List<String> cmd = new ArrayList<>(List.of("python3", script.toString()));
    inputs.forEach(p -> cmd.add(p.toString()));
    cmd.add(out.toString());
    switch (method()) {
      case MergeMethod.Della d -> cmd.addAll(List.of("--density", Double.toString(density), "--epsilon",
          Double.toString(d.epsilon()), "--seed", Long.toString(d.seed())));
      case MergeMethod.Sce s -> { }
      default -> cmd.addAll(List.of("--density", Double.toString(density)));
    }
    cmd.addAll(List.of("--compare", compareTo.toString()));
    return cmd;
  }
}
