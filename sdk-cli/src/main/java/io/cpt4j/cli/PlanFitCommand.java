package io.cpt4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.plan.MixtureFit;
import io.cpt4j.plan.MixturePlan;
import io.cpt4j.plan.Observation;
import io.cpt4j.train.Pilots;
import io.cpt4j.plan.PlanException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cpt4j plan fit (OUT | OBSERVATIONS.jsonl | RUN_DIR)... [--general NAME] [--json]}. */
@Command(
    name = "fit",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Fit the D-CPT Law to each validation set of pilots or observations.",
      "L = E + A/N^alpha + B*r^eta/D^beta + C/(r+eps)^gamma, r the set's share of the mixture.",
      "INPUT: a pilot directory (its observations.jsonl), an observations file (one JSON object a line:",
      "{\"ratio\": r, \"tokens\": D, \"parameters\": N, \"losses\": {\"general\": x, \"domain\": y}}) or finished",
      "run directories. Writes the plan (FIT.json) and, with --plots, its plots."
    })
final class PlanFitCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "INPUT", arity = "1..*", description = "Pilot directories, observation files or runs.")
  List<Path> inputs;

  @Option(names = "--general", paramLabel = "SET",
      description = "A general validation set (its r is the general share). Default: sets named *general*.")
  List<String> general;

  @Option(names = "--out", paramLabel = "FIT.json",
      description = "Where to write the plan (default: fit.json next to the first input).")
  Path fitFile;

  @Option(names = "--plots", paramLabel = "DIR", description = "Also draw the fits and the trade-off into DIR.")
  Path plots;

  @Option(names = "--json", description = "Print the fits, their statistics and each observation's prediction as JSON.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    List<Observation> obs = new ArrayList<>();
    for (Path in : inputs) {
      obs.addAll(read(in));
    }
    Set<String> sets = new TreeSet<>();
    obs.forEach(o -> sets.addAll(o.losses().keySet()));
    Set<String> generalSets = general != null ? new LinkedHashSet<>(general)
        : new TreeSet<>(sets.stream().filter(s -> s.toLowerCase(java.util.Locale.ROOT).contains("general")).toList());
    MixturePlan plan = MixturePlan.fit(obs, generalSets);
    Path target = fitFile != null ? fitFile : defaultFitFile(inputs.getFirst());
    plan.write(target);
    List<Path> drawn = plots == null ? List.of() : plan.plot(obs, obs.getFirst().parameters(), plots);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.print(json(plan, obs));
    } else {
      out.printf("%d observations, %d validation sets (general: %s)%n", obs.size(), sets.size(),
          generalSets.isEmpty() ? "none" : String.join(", ", generalSets));
      plan.fits().forEach(f -> out.println("  " + f.describe()));
      out.println("plan -> " + target + (drawn.isEmpty() ? "" : "; plots -> " + plots));
    }
    out.flush();
    return 0;
  }

  private static List<Observation> read(Path in) {
    if (Files.isDirectory(in) && Files.isRegularFile(in.resolve("observations.jsonl"))) {
      return Observation.read(in.resolve("observations.jsonl"));
    }
    if (Files.isDirectory(in)) {
      return Pilots.read(List.of(in));
    }
    if (!Files.exists(in)) {
      throw new PlanException(in + ": no such file or directory");
    }
    return Observation.read(in);
  }

  private static Path defaultFitFile(Path input) {
    Path dir = Files.isDirectory(input) ? input : input.toAbsolutePath().getParent();
    return dir.resolve("fit.json");
  }

  private static String json(MixturePlan plan, List<Observation> obs) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    ArrayNode fits = root.putArray("fits");
    for (MixtureFit f : plan.fits()) {
      ObjectNode o = fits.addObject();
      var l = f.law();
      o.put("set", l.set()).put("general", l.general()).put("e", l.e()).put("a", l.a()).put("alpha", l.alpha())
          .put("b", l.b()).put("eta", l.eta()).put("beta", l.beta()).put("c", l.c()).put("gamma", l.gamma())
          .put("epsilon", l.epsilon()).put("observations", f.observations()).put("r2", f.r2()).put("rmse", f.rmse())
          .put("max_relative_error", f.maxRelativeError());
      ArrayNode predictions = o.putArray("predictions");
      for (Observation ob : obs) {
        Double seen = ob.losses().get(l.set());
        if (seen != null) {
          predictions.addObject().put("ratio", ob.ratio()).put("tokens", ob.tokens()).put("observed", seen)
              .put("predicted", l.loss(ob.ratio(), ob.tokens(), ob.parameters()));
        }
      }
    }
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + System.lineSeparator();
  }
}
