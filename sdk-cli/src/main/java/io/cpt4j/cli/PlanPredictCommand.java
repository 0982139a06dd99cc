package io.cpt4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.cpt4j.plan.MixtureFit;
import io.cpt4j.plan.MixtureLaw;
import io.cpt4j.plan.MixturePlan;
import io.cpt4j.plan.PlanException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j plan predict FIT.json --ratio R --tokens D}. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Predict each validation set's loss for domain shares and token budgets.",
      "With --target-loss, the tokens a set needs to reach that loss at each share."
    })
final class PlanPredictCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FIT.json", description = "A plan written by 'cpt4j plan fit'.")
  Path fitFile;

  @Option(names = "--ratio", paramLabel = "R,R,...", required = true, split = ",", description = "Domain shares.")
  List<Double> ratios;

  @Option(names = "--tokens", paramLabel = "D,D,...", split = ",", converter = TokenCount.class,
      description = "Token budgets (suffixes K, M, G, T); required unless --target-loss.")
  List<Long> tokens;

  @Option(names = "--parameters", paramLabel = "N", defaultValue = "0",
      description = "Model parameters, for laws fitted over several model sizes.")
  long parameters;

  @Option(names = "--target-loss", paramLabel = "L", description = "Print the tokens needed to reach loss L.")
  Double target;

  @Option(names = "--set", paramLabel = "SET", description = "The set --target-loss is for (default: the first domain set).")
  String set;

  @Option(names = "--json", description = "Print the predictions as JSON.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    MixturePlan plan = MixturePlan.read(fitFile);
    PrintWriter out = spec.commandLine().getOut();
    ObjectMapper mapper = new ObjectMapper();
    ArrayNode rows = mapper.createArrayNode();
    if (target != null) {
      MixtureLaw law = set != null ? plan.fit(set).law() : plan.fits().stream().map(MixtureFit::law)
          .filter(l -> !l.general()).findFirst().orElseThrow(() -> new PlanException("the plan has no domain set: "
              + "name one with --set"));
      for (double r : ratios) {
        double d = law.tokensFor(target, r, parameters);
        rows.addObject().put("set", law.set()).put("ratio", r).put("target_loss", target).put("tokens", (long) d);
        if (!json) {
          out.println(d < 0 ? String.format(Locale.ROOT, "%s at share %.3f never reaches %.4f (its floor is above it)",
              law.set(), r, target) : String.format(Locale.ROOT, "%s at share %.3f reaches %.4f after %,d tokens",
              law.set(), r, target, (long) Math.ceil(d)));
        }
      }
    } else {
      if (tokens == null) {
        throw new PlanException("give --tokens (or --target-loss)");
      }
      for (double r : ratios) {
        for (long d : tokens) {
          Map<String, Double> losses = plan.predict(r, d, parameters);
          var row = rows.addObject().put("ratio", r).put("tokens", d);
          losses.forEach(row.putObject("losses")::put);
          if (!json) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "share %.3f, %,d tokens:", r, d));
            losses.forEach((k, v) -> line.append(String.format(Locale.ROOT, "  %s %.4f", k, v)));
            out.println(line);
          }
        }
      }
    }
    if (json) {
      out.print(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(rows) + System.lineSeparator());
    }
    out.flush();
    return 0;
  }
}
