package io.cpt4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cpt4j vectors COMMAND}: task vectors. */
@Command(
    name = "vectors",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Task vectors (tuned - base): save them, and compare several by cosine,",
      "sign agreement and top-k overlap."
    },
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {VectorsDiffCommand.class, VectorsSimilarityCommand.class, CommandLine.HelpCommand.class})
final class VectorsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try 'cpt4j vectors --help')");
  }
}
