package io.cpt4j.cli;

import io.cpt4j.train.ContinualPretrainer;
import io.cpt4j.train.TrainingReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j resume RUN_DIR}: continue an interrupted run from its last checkpoint. */
@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Continue the run in RUN_DIR from its last complete checkpoint with the",
      "configuration in its run.json. Metrics after that checkpoint are recomputed;",
      "on the CPU the result is bit-identical to an uninterrupted run."
    })
final class ResumeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN_DIR", description = "The run directory.")
  Path runDirectory;

  @Override
  public Integer call() {
    TrainingReport report = ContinualPretrainer.resume(runDirectory,
        new ConsoleProgress(System.err, ProgressLine.stderrIsTerminal()));
    PrintWriter out = spec.commandLine().getOut();
    out.print(report.describe());
    out.flush();
    return 0;
  }
}
