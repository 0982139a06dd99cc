package io.cpt4j.spi;

import io.cpt4j.eval.ValidationCurve;
import io.cpt4j.plan.CurvePrediction;
import io.cpt4j.plan.LrAreas;
import io.cpt4j.plan.MixturePlan;
import io.cpt4j.plan.Observation;
import io.cpt4j.train.RunConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Service-provider interface behind {@link io.cpt4j.plan}: observation files, law fits, plan
 * files and learning-curve predictions. {@code sdk-core} registers the implementation in {@code META-INF/services}; users do not
 * implement it.
 */
public interface PlanProvider {
  /** See {@link Observation#read}. */
  List<Observation> readObservations(Path jsonl);

  /** See {@link MixturePlan#fit}. */
  MixturePlan fit(List<Observation> observations, Set<String> generalSets, double epsilon);

  /** See {@link MixturePlan#read}. */
  MixturePlan readPlan(Path fitJson);

  /** See {@link MixturePlan#write}. */
  void writePlan(MixturePlan plan, Path fitJson);

  /** See {@link io.cpt4j.train.Pilots#run}. */
  List<Observation> runPilots(RunConfig recipe, List<Double> ratios, List<Long> tokens, Path out,
      Consumer<String> progress);

  /** See {@link io.cpt4j.train.Pilots#read}. */
  List<Observation> readRuns(List<Path> runDirectories);

  /** See {@link MixturePlan#plot}. */
  List<Path> plot(MixturePlan plan, List<Observation> observations, long parameters, Path dir);

  /** See {@link CurvePrediction#fit(ValidationCurve, LrAreas)}. */
  CurvePrediction predict(ValidationCurve curve, LrAreas areas);
}
