package io.cpt4j.cli;

import io.cpt4j.train.ContinualPretrainer;
import io.cpt4j.train.TrainingReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j train RUN.yaml}: a continual pre-training run from a YAML run file. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Continually pre-train a checkpoint as a YAML run file describes (the fields",
      "of RunConfig in snake_case; relative paths are relative to the file; see the",
      "README). Writes the run directory: run.json, metrics.jsonl, checkpoints/,",
      "final/, plots/, report.json. Interrupted runs continue with 'cpt4j resume'."
    },
    footer = {"", "GPU: --backend gpu needs the CUDA natives on the class path (see the README);",
      "without them it fails naming what is missing, and auto falls back to the CPU."})
final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN.yaml", description = "The run file.")
  Path runFile;

  @Option(names = "--backend", paramLabel = "SPEC",
      description = "cpu, cpu:THREADS, gpu, gpu:INDEX or auto (the GPU if one is usable, else the CPU);"
          + " overrides the run file's backend (default: the run file's, else cpu).")
  String backend;

  @Option(names = "--task", paramLabel = "FILE",
      description = "Also score this task (YAML or JSONL, see 'cpt4j eval') at every evaluation; repeatable,"
          + " added to the run file's tasks.")
  List<Path> tasks = new ArrayList<>();

  @Option(names = "--task-limit", paramLabel = "N", description = "Score only the first N documents of each task.")
  Integer taskLimit;

  @Option(names = "--trainable", paramLabel = "REGEX",
      description = "Train only the tensors whose names match (e.g. the pattern 'cpt4j grow depth' prints);"
          + " repeatable; replaces the run file's trainable.")
  List<String> trainable = new ArrayList<>();

  @Override
  public Integer call() {
    ContinualPretrainer cpt = ContinualPretrainer.fromYaml(runFile);
    if (backend != null) {
      cpt.backend(backend);
    }
    if (!tasks.isEmpty()) {
      cpt.evaluateTasks(tasks.toArray(Path[]::new));
    }
    if (!trainable.isEmpty()) {
      try {
        cpt.trainOnly(trainable.toArray(String[]::new));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--trainable: " + e.getMessage());
      }
    }
    if (taskLimit != null) {
      if (taskLimit < 1) {
        throw new ParameterException(spec.commandLine(), "--task-limit must be >= 1, got " + taskLimit);
      }
      cpt.taskLimit(taskLimit);
    }
    TrainingReport report = cpt.listener(new ConsoleProgress(System.err, ProgressLine.stderrIsTerminal())).train();
    PrintWriter out = spec.commandLine().getOut();
    out.print(report.describe());
    out.flush();
    return 0;
  }
}
