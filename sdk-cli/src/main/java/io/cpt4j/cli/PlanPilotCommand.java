package io.cpt4j.cli;

import io.cpt4j.plan.Observation;
import io.cpt4j.train.Pilots;
import io.cpt4j.train.ContinualPretrainer;
import io.cpt4j.train.RunConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j plan pilot RUN.yaml --ratios ... --tokens ... OUT}. */
@Command(
    name = "pilot",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Run short pilots of a recipe over domain shares and token budgets.",
      "The recipe's mixture needs domain sources and replay (general) sources: a pilot at share r gives the domain sources r of",
      "the weight and the replay sources 1 - r. Each pilot is a run directory OUT/pilots/r<R>-d<D>; their",
      "final validation losses go to OUT/observations.jsonl. Running again reuses finished pilots and",
      "resumes interrupted ones, so a grid can be extended."
    })
final class PlanPilotCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN", description = "The recipe: a YAML run file.")
  Path runFile;

  @Parameters(index = "1", paramLabel = "OUT", description = "Directory for the pilots and observations.jsonl.")
  Path out;

  @Option(names = "--ratios", paramLabel = "R,R,...", required = true, split = ",",
      description = "Domain shares of the pilots, e.g. 0.1,0.3,0.5,0.7,0.9.")
  List<Double> ratios;

  @Option(names = "--tokens", paramLabel = "D,D,...", required = true, split = ",", converter = TokenCount.class,
      description = "Token budgets of the pilots, e.g. 1M,3M (suffixes K, M, G, T).")
  List<Long> tokens;

  @Override
  public Integer call() {
    PrintWriter log = spec.commandLine().getOut();
    RunConfig recipe = ContinualPretrainer.fromYaml(runFile).config();
    List<Observation> obs = Pilots.run(recipe, ratios, tokens, out, line -> {
      log.println(line);
      log.flush();
    });
    log.printf("%d observations -> %s (next: cpt4j plan fit %s)%n", obs.size(), out.resolve("observations.jsonl"),
        out);
    log.flush();
    return 0;
  }
}
