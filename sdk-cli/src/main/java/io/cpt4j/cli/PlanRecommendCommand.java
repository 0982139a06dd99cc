package io.cpt4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.plan.MixtureFit;
import io.cpt4j.plan.MixtureLaw;
import io.cpt4j.plan.MixturePlan;
import io.cpt4j.plan.PlanException;
import io.cpt4j.plan.Recommendation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j plan recommend FIT.json --tokens D --max-general-increase 2%}. */
@Command(
    name = "recommend",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Recommend the domain share for a token budget within a general-loss bound.",
      "The share with the lowest predicted domain loss whose predicted general loss stays within",
      "--max-general-increase of training on general data alone (share 0) for the same tokens."
    })
final class PlanRecommendCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FIT.json", description = "A plan written by 'cpt4j plan fit'.")
  Path fitFile;

  @Option(names = "--tokens", paramLabel = "D", required = true, converter = TokenCount.class,
      description = "The run's token budget (suffixes K, M, G, T).")
  long tokens;

  @Option(names = "--max-general-increase", paramLabel = "F",
      description = "Allowed relative general-loss increase: 0.02 or 2%%.")
  String maxIncrease;

  @Option(names = "--weight", paramLabel = "W",
      description = "Instead of a bound: minimise W * domain loss + (1 - W) * general loss.")
  Double weight;

  @Option(names = "--domain", paramLabel = "SET", description = "The domain set (default: the first).")
  String domain;

  @Option(names = "--general", paramLabel = "SET", description = "The general set (default: the first).")
  String general;

  @Option(names = "--parameters", paramLabel = "N", defaultValue = "0",
      description = "Model parameters, for laws fitted over several model sizes.")
  long parameters;

  @Option(names = "--json", description = "Print the recommendation as JSON.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    MixturePlan plan = MixturePlan.read(fitFile);
    String d = domain != null ? domain : first(plan, l -> !l.general(), "domain");
    String g = general != null ? general : first(plan, MixtureLaw::general, "general");
    if ((maxIncrease == null) == (weight == null)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "give one of --max-general-increase F and --weight W");
    }
    long budget = tokens;
    Recommendation r = weight != null ? plan.recommendWeighted(d, g, budget, parameters, weight)
        : plan.recommend(d, g, budget, parameters, PlanCommand.fraction(maxIncrease));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper mapper = new ObjectMapper();
      out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(mapper.createObjectNode()
          .put("domain_set", d).put("general_set", g).put("ratio", r.ratio()).put("tokens", r.tokens())
          .put("domain_loss", r.domainLoss()).put("general_loss", r.generalLoss())
          .put("general_reference", r.generalReference()).put("general_increase", r.generalIncrease())
          .put("bounded", r.bounded())));
    } else {
      out.printf(Locale.ROOT, "recommended domain share %.3f for %,d tokens: %s %.4f, %s %.4f (%s vs share 0, %s)%n",
          r.ratio(), r.tokens(), d, r.domainLoss(), g, r.generalLoss(), PlanCommand.percent(r.generalIncrease()),
          weight != null ? "weighted objective, domain weight " + weight
              : r.bounded() ? "the general bound decides" : "the best domain share is within the bound");
    }
    out.flush();
    return 0;
  }

  private static String first(MixturePlan plan, Predicate<MixtureLaw> kind, String what) {
    return plan.fits().stream().map(MixtureFit::law).filter(kind).map(MixtureLaw::set).findFirst()
        .orElseThrow(() -> new PlanException("the plan has no " + what + " set (fit with --general NAME to mark "
            + "general sets)"));
  }
}
