package io.cpt4j.plan.internal;

import io.cpt4j.eval.ValidationCurve;
import io.cpt4j.plan.CurvePrediction;
import io.cpt4j.plan.LrAreas;
import io.cpt4j.plan.MixtureFit;
import io.cpt4j.plan.MixturePlan;
import io.cpt4j.plan.Observation;
import io.cpt4j.plan.PlanException;
import io.cpt4j.spi.PlanProvider;
import io.cpt4j.train.RunConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * {@code sdk-core}'s {@link PlanProvider}: observation files, D-CPT Law fits, plan files, pilots,
 * learning-curve predictions. Stateless.
 */
public final class CorePlanProvider implements PlanProvider {
  @Override
  public List<Observation> readObservations(Path jsonl) {
    return ObservationReader.read(jsonl);
  }

  @Override
  public MixturePlan fit(List<Observation> observations, Set<String> generalSets, double epsilon) {
    if (observations.isEmpty()) {
      throw new PlanException("no observations to fit");
    }
    Set<String> sets = new TreeSet<>();
    observations.forEach(o -> sets.addAll(o.losses().keySet()));
    for (String g : generalSets) {
      if (!sets.contains(g)) {
        throw new PlanException("general set '" + g + "' is in no observation (the sets are " + String.join(", ", sets)
            + ")");
      }
    }
    List<MixtureFit> fits = new ArrayList<>();
    for (String set : sets) {
      List<Observation> mine = observations.stream().filter(o -> o.losses().containsKey(set)).toList();
      fits.add(DcptFitter.fit(set, generalSets.contains(set), mine, epsilon));
    }
    return new MixturePlan(fits);
  }

  @Override
  public MixturePlan readPlan(Path fitJson) {
    return PlanCodec.read(fitJson);
  }

  @Override
  public void writePlan(MixturePlan plan, Path fitJson) {
    PlanCodec.write(plan, fitJson);
  }

  @Override
  public List<Observation> runPilots(RunConfig recipe, List<Double> ratios, List<Long> tokens, Path out,
      Consumer<String> progress) {
    return PilotRunner.run(recipe, ratios, tokens, out, progress);
  }

  @Override
  public List<Observation> readRuns(List<Path> runDirectories) {
    return runDirectories.stream().map(d -> PilotRunner.read(d, -1)).toList();
  }

  @Override
  public List<Path> plot(MixturePlan plan, List<Observation> observations, long parameters, Path dir) {
    return PlanPlots.write(plan, observations, parameters, dir);
  }

  @Override
  public CurvePrediction predict(ValidationCurve curve, LrAreas areas) {
    return AnnealingCurveFitter.predict(curve, areas);
  }
}
