package io.cpt4j.cli;

import io.cpt4j.grow.DepthGrowth;
import io.cpt4j.grow.GrowthReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j grow depth BASE OUT --every K}: function-preserving growth. */
@Command(
    name = "grow",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Grow a model's capacity while keeping the function it computes.",
    synopsisSubcommandLabel = "HOW",
    subcommands = {GrowCommand.Depth.class, CommandLine.HelpCommand.class})
final class GrowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing how: depth");
  }

  /** {@code cpt4j grow depth}. */
  @Command(
      name = "depth",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = {
        "Insert a new decoder layer after every K layers (block expansion, LLaMA-Pro).",
        "Each new layer copies the last layer of its group with its attention output and MLP down",
        "projections zeroed, so the grown model computes the same function; train only the new layers",
        "with the printed pattern. OUT is written under a temporary name and renamed."
      })
  static final class Depth implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BASE", description = "Checkpoint directory to grow.")
    Path base;

    @Parameters(index = "1", paramLabel = "OUT", description = "Directory to write.")
    Path output;

    @Option(names = "--every", paramLabel = "K", required = true,
        description = "One new layer after every K layers (K must divide the layer count).")
    int every;

    @Option(names = "--overwrite", description = "Replace OUT if it exists and is not empty.")
    boolean overwrite;

    @Override
    public Integer call() {
      if (every < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--every must be at least 1, got " + every);
      }
      GrowthReport r = DepthGrowth.of(base).every(every).overwrite(overwrite).writeTo(output);
      PrintWriter out = spec.commandLine().getOut();
      out.println("grew " + base + ": " + r.describe());
      out.flush();
      return 0;
    }
  }
}
