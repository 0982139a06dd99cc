package io.cpt4j.cli;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code cpt4j} command. Exit codes: 0 success, 1 a failure the program explains (one line
 * {@code error: ...} on stderr), 2 bad usage. Add a subcommand by writing one class annotated with
 * {@link Command} and listing it in {@code subcommands} below.
 */
@Command(
    name = "cpt4j",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Continual pre-training of decoder language models on the JVM.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {
      InspectCommand.class,
      ConvertCommand.class,
      ScoreCommand.class,
      EvalCommand.class,
      DataCommand.class,
      TrainCommand.class,
      ResumeCommand.class,
      BranchCommand.class,
      QuickstartCommand.class,
      MergeCommand.class,
      VectorsCommand.class,
      GraftCommand.class,
      ExportCommand.class,
      GenerateCommand.class,
      ChatCommand.class,
      PlanCommand.class,
      GrowCommand.class,
      VocabCommand.class,
      LoraCommand.class,
      CommandLine.HelpCommand.class,
    },
    footer = {"", "Run 'cpt4j COMMAND --help' for a command's options. Set CPT4J_DEBUG=1 for stack traces."})
public final class Main implements Callable<Integer> {

  @Spec CommandSpec spec;

  /** {@code -q/--quiet}, accepted by every command: warnings and errors only. */
  @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
      description = "Log warnings and errors only.")
  void quiet(boolean on) {
    if (on) {
      CliLogging.verbosity(CliLogging.Verbosity.QUIET);
    }
  }

  /** {@code -v/--verbose}, accepted by every command: cpt4j's debug records and libraries' info records. */
  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
      description = "Log cpt4j's debug records and libraries' info records too.")
  void verbose(boolean on) {
    if (on) {
      CliLogging.verbosity(CliLogging.Verbosity.VERBOSE);
    }
  }

  /** Without a subcommand: the usage on stderr, exit 2. */
  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  public static void main(String[] args) {
    CliLogging.install(ErrorReporter.debugFromEnvironment());
    Charset cs = Charset.defaultCharset();
    PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, cs), true);
    PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, cs), true);
    int code = execute(args, out, err);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Runs one command line with the given streams; returns the exit code. Never throws. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    return execute(args, out, err, ErrorReporter.debugFromEnvironment());
  }

  static int execute(String[] args, PrintWriter out, PrintWriter err, boolean debug) {
    ErrorReporter reporter = new ErrorReporter(debug);
    CliLogging.verbosity(CliLogging.Verbosity.NORMAL); // until --quiet or --verbose says otherwise
    try {
      CommandLine cmd = commandLine();
      cmd.setOut(out);
      cmd.setErr(err);
      cmd.setExecutionExceptionHandler(reporter);
      cmd.setParameterExceptionHandler(reporter);
      return cmd.execute(args);
    } catch (Throwable t) { // errors escaping picocli (OutOfMemoryError, StackOverflowError …)
      return reporter.report(t, err);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** The configured command tree (no streams or handlers set). */
  static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new Main());
    MergeMethodsHelp.install(cmd.getSubcommands().get("merge"));
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    cmd.setUsageHelpAutoWidth(true);
    return cmd;
  }
}
