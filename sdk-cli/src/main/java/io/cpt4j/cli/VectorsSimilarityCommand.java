package io.cpt4j.cli;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.merge.SimilarityReport;
import io.cpt4j.merge.TaskVector;
import io.cpt4j.merge.VectorSimilarity;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j vectors similarity --base BASE A B [C...] [--json]}: compares task vectors. */
@Command(
    name = "similarity",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Compare two or more task vectors.",
      "Norms, pairwise cosine similarity, sign agreement (same sign among the",
      "entries non-zero in both) and the Jaccard overlap of the top-k |values|",
      "per tensor, for the whole model and per layer (--json adds every tensor).",
      "Each VECTOR is a checkpoint directory (its vector is VECTOR - BASE) or a",
      "task-vector .safetensors file written by 'cpt4j vectors diff'."
    })
final class VectorsSimilarityCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--base", paramLabel = "BASE",
      description = "The base checkpoint (needed when a VECTOR is a checkpoint directory).")
  Path basePath;

  @Parameters(arity = "2..*", paramLabel = "VECTOR", description = "Checkpoint directories or task-vector files.")
  List<Path> inputs;

  @Option(names = "--top", paramLabel = "FRACTION", defaultValue = "1%", converter = FractionConverter.class,
      description = "Fraction of the top-k masks compared (default: ${DEFAULT-VALUE}).")
  double top;

  @Option(names = "--exclude", paramLabel = "REGEX",
      description = "Leave out tensors whose full name matches, e.g. '.*(embed_tokens|lm_head).*'.")
  String exclude;

  @Option(names = "--json", description = "Print JSON (overall, layers and every tensor) instead of the table.")
  boolean json;

  @Override
  public Integer call() {
    if (top == 0) {
      throw new ParameterException(spec.commandLine(), "--top must be above 0");
    }
    PrintWriter out = spec.commandLine().getOut();
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      Checkpoint base = null;
      if (basePath != null) {
        base = Checkpoint.open(basePath);
        opened.add(base);
      }
      List<TaskVector> vectors = new ArrayList<>();
      for (Path p : inputs) {
        TaskVector v;
        if (Files.isDirectory(p)) {
          if (base == null) {
            throw new ParameterException(spec.commandLine(), p + " is a checkpoint directory: --base is needed");
          }
          Checkpoint c = Checkpoint.open(p);
          opened.add(c);
          v = TaskVector.between(base, c);
        } else {
          TaskVector.Stored s = TaskVector.load(p);
          opened.add(s);
          v = s;
        }
        vectors.add(exclude == null ? v : v.excluding(exclude));
      }
      SimilarityReport r = VectorSimilarity.of(vectors, labels(inputs)).topFraction(top).compute();
      out.print(json ? r.toJson() : r.toTable());
    } finally {
      for (int i = opened.size() - 1; i >= 0; i--) {
        try {
          opened.get(i).close();
        } catch (Exception e) {
          // closing a mapped file does not fail in practice; the result is already printed
        }
      }
    }
    out.flush();
    return 0;
  }

  /** File or directory names without .safetensors, made unique with #2, #3 … */
  static List<String> labels(List<Path> paths) {
    List<String> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Path p : paths) {
      Path name = p.toAbsolutePath().normalize().getFileName();
      String base = name == null ? p.toString() : name.toString().replaceFirst("\\.safetensors(\\.index\\.json)?$", "");
      String label = base;
      for (int i = 2; !seen.add(label); i++) {
        label = base + "#" + i;
      }
      out.add(label);
    }
    return out;
  }
}
