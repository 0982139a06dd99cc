package io.cpt4j.examples;

import io.cpt4j.plan.MixtureFit;
import io.cpt4j.plan.MixturePlan;
import io.cpt4j.plan.Observation;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * How well a D-CPT Law fit predicts a mixture ratio it has not seen: for each domain share in an
 * observations file (e.g. the {@code observations.jsonl} of {@code cpt4j plan pilot}), fit every
 * validation set on the other shares only and predict the held-out share's losses at each of its
 * token budgets; prints the relative errors and the largest. Sets named {@code *general*} are
 * general sets.
 *
 * <p>Run: {@code java -cp ... io.cpt4j.examples.PlanHoldOutExample OBSERVATIONS.jsonl}.
 */
public final class PlanHoldOutExample {
  private PlanHoldOutExample() {}

  public static void main(String[] args) {
    List<Observation> all = Observation.read(Path.of(args[0]));
    Set<String> general = new TreeSet<>();
    all.forEach(o -> o.losses().keySet().stream().filter(s -> s.contains("general")).forEach(general::add));
    Set<Double> ratios = new TreeSet<>(all.stream().map(Observation::ratio).toList());
    double worst = 0;
    for (double held : ratios) {
      List<Observation> train = all.stream().filter(o -> o.ratio() != held).toList();
      MixturePlan plan = MixturePlan.fit(train, general);
      for (Observation o : all.stream().filter(o -> o.ratio() == held).toList()) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "held out share %.2f, %,d tokens:", held,
            o.tokens()));
        for (MixtureFit f : plan.fits()) {
          double observed = o.losses().get(f.law().set());
          double predicted = f.law().loss(o.ratio(), o.tokens(), o.parameters());
          double error = (predicted - observed) / observed;
          worst = Math.max(worst, Math.abs(error));
          line.append(String.format(Locale.ROOT, "  %s observed %.4f predicted %.4f (%+.2f%%)", f.law().set(), observed,
              predicted, 100 * error));
        }
        System.out.println(line);
      }
    }
    System.out.printf(Locale.ROOT, "largest relative error on a held-out share: %.2f%%%n", 100 * worst);
    MixturePlan plan = MixturePlan.fit(all, general);
    plan.fits().forEach(f -> System.out.println("all observations: " + f.describe()));
  }
}
