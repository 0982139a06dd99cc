package io.cpt4j.cli;

import io.cpt4j.grow.DepthGrowth;
import io.cpt4j.grow.GrowthReport;
import io.cpt4j.grow.WidthGrowth;
import io.cpt4j.grow.WidthGrowthReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cpt4j grow depth BASE OUT --every K} and {@code cpt4j grow width BASE OUT --intermediate-size
 * N}: function-preserving growth.
 */
@Command(
    name = "grow",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Grow a model's capacity while keeping the function it computes.",
    synopsisSubcommandLabel = "HOW",
    subcommands = {GrowCommand.Depth.class, GrowCommand.Width.class, CommandLine.HelpCommand.class})
final class GrowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing how: depth or width");
  }

  /** BASE, OUT and {@code --overwrite}, as every growth takes them. */
  static final class Target {
    @Parameters(index = "0", paramLabel = "BASE", description = "Checkpoint directory to grow.")
    Path base;

    @Parameters(index = "1", paramLabel = "OUT", description = "Directory to write.")
    Path output;

    @Option(names = "--overwrite", description = "Replace OUT if it exists and is not empty.")
    boolean overwrite;

    /** Prints the one summary line; the exit code. */
    int print(CommandSpec spec, String report) {
      PrintWriter out = spec.commandLine().getOut();
      out.println("grew " + base + ": " + report);
      out.flush();
      return 0;
    }
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

    @Mixin Target target;

    @Option(names = "--every", paramLabel = "K", required = true,
        description = "One new layer after every K layers (K must divide the layer count).")
    int every;

    @Override
    public Integer call() {
      if (every < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--every must be at least 1, got " + every);
      }
      GrowthReport r = DepthGrowth.of(target.base).every(every).overwrite(target.overwrite).writeTo(target.output);
      return target.print(spec, r.describe());
    }
  }

  /** {@code cpt4j grow width}. */
  @Command(
      name = "width",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = {
        "Widen every MLP to N intermediate neurons by neuron splitting (bert2BERT's FPI).",
        "Each new neuron copies a base neuron drawn at random (seeded) and the outgoing weights of",
        "the copies are divided among them, so the grown model computes the same function (exactly",
        "to float rounding in F32; to the dtype's rounding in BF16/F16). OUT is written under a",
        "temporary name and renamed."
      })
  static final class Width implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin Target target;

    @Option(names = "--intermediate-size", paramLabel = "N", required = true,
        description = "MLP intermediate size of the grown model (larger than the base's).")
    int size;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
        description = "Seed of the choice of neurons to copy (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
      if (size < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--intermediate-size must be positive, got " + size);
      }
      WidthGrowthReport r = WidthGrowth.of(target.base).intermediateSize(size).seed(seed).overwrite(target.overwrite)
          .writeTo(target.output);
      return target.print(spec, r.describe());
    }
  }
}
