package io.cpt4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cpt4j data COMMAND}: the data pipeline. */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Prepare training data: tokenize sources into token shards and report packing.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {DataPrepareCommand.class, CommandLine.HelpCommand.class})
final class DataCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try 'cpt4j data prepare --help')");
  }
}
