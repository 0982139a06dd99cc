package io.cpt4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cpt4j export FORMAT}: exports for serving. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Export a checkpoint for serving.",
    synopsisSubcommandLabel = "FORMAT",
    subcommands = {ExportOnnxCommand.class, CommandLine.HelpCommand.class})
final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing format (try 'cpt4j export onnx --help')");
  }
}
