package io.cpt4j.plan.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.Mixture.Component;
import io.cpt4j.eval.SetReport;
import io.cpt4j.files.AtomicFiles;
import io.cpt4j.plan.Observation;
import io.cpt4j.plan.PlanException;
import io.cpt4j.train.ContinualPretrainer;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the pilot grid of {@link io.cpt4j.train.Pilots#run} and reads finished runs back as
 * observations (see there). A pilot directory is finished when it has {@code report.json},
 * interrupted when it has {@code run.json} without it. Stateless.
 */
final class PilotRunner {
  private PilotRunner() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  static List<Observation> run(RunConfig recipe, List<Double> ratios, List<Long> tokens, Path out,
      Consumer<String> progress) {
    check(recipe, ratios, tokens);
    long parameters = parameters(recipe.base());
    List<Observation> done = new ArrayList<>();
    int total = ratios.size() * tokens.size();
    for (double r : ratios) {
      for (long d : tokens) {
        Path dir = out.resolve("pilots").resolve(String.format(Locale.ROOT, "r%.3f-d%d", r, d));
        String name = String.format(Locale.ROOT, "pilot %d/%d (domain share %.3f, %,d tokens)", done.size() + 1, total,
            r, d);
        TrainingReport report = null;
        if (Files.isRegularFile(dir.resolve("report.json"))) {
          progress.accept(name + ": finished before, read from " + dir);
        } else if (Files.isRegularFile(dir.resolve("run.json"))) {
          progress.accept(name + ": resuming " + dir);
          report = ContinualPretrainer.resume(dir);
        } else {
          progress.accept(name + ": training -> " + dir);
          RunConfig pilot = recipe.newBuilder().mixture(reweighted(recipe.mixture(), r)).tokens(d).steps(0)
              .evaluateEvery(0).output(dir).build();
          report = ContinualPretrainer.from(pilot).train();
        }
        Observation o = report != null ? observation(r, report.tokens(), parameters, report, dir)
            : read(dir, parameters);
        done.add(new Observation(r, o.tokens(), o.parameters(), o.losses(), dir.toString()));
        progress.accept(name + ": losses " + o.losses());
        write(done, out.resolve("observations.jsonl"));
      }
    }
    return done;
  }

  private static void check(RunConfig recipe, List<Double> ratios, List<Long> tokens) {
    if (ratios.isEmpty() || tokens.isEmpty()) {
      throw new PlanException("pilots need at least one ratio and one token budget");
    }
    for (double r : ratios) {
      if (!(r >= 0 && r <= 1)) {
        throw new PlanException("a pilot's domain share must be in [0, 1], got " + r);
      }
    }
    for (long d : tokens) {
      if (d < 1) {
        throw new PlanException("a pilot's token budget must be positive, got " + d);
      }
    }
    Mixture m = recipe.mixture();
    if (m == null || m.components().stream().noneMatch(Component::replay)
        || m.components().stream().allMatch(Component::replay)) {
      throw new PlanException("the recipe's mixture needs domain sources and replay (general) sources, e.g. "
          + "Mixture.of(domain, 0.9).replay(general, 0.1) or a run file source with replay: true");
    }
    if (m.schedule().size() > 1) { // the first knot is the weights themselves
      throw new PlanException("the recipe's mixture changes over the run (a mixture schedule): pilots need a "
          + "fixed mixture");
    }
    if (recipe.validation().isEmpty()) {
      throw new PlanException("the recipe has no validation sets: pilots record their final losses");
    }
  }

  /** The mixture with domain weights summing to r and replay weights to 1 - r, proportions kept. */
  static Mixture reweighted(Mixture m, double r) {
    double domain = m.components().stream().filter(c -> !c.replay()).mapToDouble(Component::weight).sum();
    double replay = m.components().stream().filter(Component::replay).mapToDouble(Component::weight).sum();
    Mixture out = null;
    for (Component c : m.components()) {
      double w = c.replay() ? (1 - r) * c.weight() / replay : r * c.weight() / domain;
      if (w <= 0) {
        continue;
      }
      out = out == null ? Mixture.of(c.source(), w, c.limits())
          : c.replay() ? out.replay(c.source(), w, c.limits()) : out.and(c.source(), w, c.limits());
    }
    return out.seed(m.seed()).metadataConditioning(m.metadataConditioningFraction());
  }

  private static Observation observation(double r, long tokens, long parameters, TrainingReport report, Path dir) {
    Map<String, Double> losses = new LinkedHashMap<>();
    for (SetReport s : report.evaluation().sets()) {
      losses.put(s.name(), s.finalLoss());
    }
    return new Observation(r, tokens, parameters, losses, dir.toString());
  }

  /** A finished run directory as an observation. */
  static Observation read(Path dir, long parameters) {
    JsonNode run = json(dir.resolve("run.json"));
    JsonNode report = json(dir.resolve("report.json"));
    JsonNode sources = run.path("mixture").path("sources");
    if (run.path("mixture").path("schedule").size() > 0) {
      throw new PlanException(dir + ": its mixture changes over the run, so it has no one domain share");
    }
    double domain = 0;
    double all = 0;
    for (JsonNode s : sources) {
      all += s.path("weight").asDouble();
      domain += s.path("replay").asBoolean() ? 0 : s.path("weight").asDouble();
    }
    Map<String, Double> losses = new LinkedHashMap<>();
    report.path("evaluation").properties().forEach(e -> losses.put(e.getKey(), e.getValue().path("final_loss")
        .asDouble()));
    if (all <= 0 || losses.isEmpty()) {
      throw new PlanException(dir + ": run.json has no mixture weights or report.json no validation losses");
    }
    long n = parameters >= 0 ? parameters : parameters(Path.of(run.path("base").asText()));
    try {
      return new Observation(domain / all, report.path("tokens").asLong(), n, losses, dir.toString());
    } catch (IllegalArgumentException e) {
      throw new PlanException(dir + ": " + e.getMessage());
    }
  }

  private static JsonNode json(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new PlanException(file.getParent() + ": not a finished run (no " + file.getFileName() + ")");
    }
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new PlanException(file + ": not JSON (" + e.getMessage() + ")", e);
    }
  }

  /** The base model's parameter count, or 0 when its config.json cannot be read. */
  static long parameters(Path base) {
    try {
      return ModelConfig.read(base.resolve("config.json")).parameterCount();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static void write(List<Observation> observations, Path file) {
    StringBuilder out = new StringBuilder();
    for (Observation o : observations) {
      var n = JSON.createObjectNode().put("ratio", o.ratio()).put("tokens", o.tokens());
      if (o.parameters() > 0) {
        n.put("parameters", o.parameters());
      }
      o.losses().forEach(n.putObject("losses")::put);
      out.append(n).append('\n');
    }
    try {
      Files.createDirectories(file.getParent());
      AtomicFiles.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new PlanException(file + ": cannot write the observations (" + e.getMessage() + ")", e);
    }
  }
}
