package io.cpt4j.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cpt4j plan}: mixture-ratio and budget planning with the D-CPT Law. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Plan a continual pre-training run: pilot runs over domain shares and token budgets, D-CPT Law fits",
      "per validation set, predictions and the recommended mixture ratio (docs/planning.md)."
    },
    synopsisSubcommandLabel = "STEP",
    subcommands = {PlanPilotCommand.class, PlanFitCommand.class, PlanPredictCommand.class,
        PlanRecommendCommand.class, CommandLine.HelpCommand.class})
final class PlanCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing step: pilot, fit, predict or recommend");
  }

  /** A fraction: 0.02 or 2%. */
  static double fraction(String text) {
    String t = text.strip();
    try {
      return t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1)) / 100 : Double.parseDouble(t);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a fraction (e.g. 0.02 or 2%)");
    }
  }

  static String percent(double v) {
    return String.format(Locale.ROOT, "%+.2f%%", 100 * v);
  }
}
