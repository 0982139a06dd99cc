package io.cpt4j.train;

import io.cpt4j.plan.Observation;
import io.cpt4j.plan.PlanException;
import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Pilot runs for a {@link io.cpt4j.plan.MixturePlan}: short continual pre-training runs of one recipe over a grid
 * of domain shares and token budgets, each becoming an {@link Observation}.
 *
 * <p>The recipe's mixture must have domain sources and replay (general) sources; a pilot at share r
 * scales the domain sources' weights to sum to r and the replay sources' to 1 - r (keeping their
 * proportions; a share of 0 or 1 drops the other side), trains for its token budget with the
 * recipe's schedule, optimizer and validation sets, and records the final loss of every validation
 * set. Pilots are written to {@code out/pilots/r<ratio>-d<tokens>/} and their observations to
 * {@code out/observations.jsonl} (rewritten after each pilot). Running again resumes: a finished
 * pilot is read back, an interrupted one is resumed from its last checkpoint, so a grid can be
 * extended or a stopped sweep continued.
 *
 * <pre>{@code
 * RunConfig recipe = ContinualPretrainer.fromYaml(Path.of("cpt.yaml")).config();
 * List<Observation> obs = Pilots.run(recipe, List.of(0.1, 0.3, 0.5, 0.7, 0.9), List.of(1_000_000L, 3_000_000L),
 *     Path.of("pilots"), System.out::println);
 * MixturePlan plan = MixturePlan.fit(obs, Set.of("general"));   // io.cpt4j.plan
 * }</pre>
 */
public final class Pilots {
  private Pilots() {}

  /**
   * Runs (or reads back, or resumes) one pilot per (ratio, tokens) pair, ratios outer, in order.
   *
   * @param progress told one line as each pilot starts and ends (may be null)
   * @return the observations of every pilot of the grid, in grid order
   * @throws PlanException if the recipe's mixture has no domain or no replay source, has a mixture
   *     schedule, or has no validation sets; a pilot's training failure is a {@link
   *     TrainingException}
   */
  public static List<Observation> run(RunConfig recipe, List<Double> ratios, List<Long> tokens, Path out,
      Consumer<String> progress) {
    return Providers.plan().runPilots(Objects.requireNonNull(recipe, "recipe"), List.copyOf(ratios),
        List.copyOf(tokens), Objects.requireNonNull(out, "out"), progress == null ? s -> { } : progress);
  }

  /**
   * The observations of finished run directories (their {@code run.json} and {@code report.json}):
   * the domain share of the run's mixture (the weight of its non-replay sources over the total), the
   * tokens it trained on, the base model's parameters and each validation set's final loss.
   *
   * @throws PlanException naming the directory if one is not a finished run, or its mixture changes
   *     over the run
   */
  public static List<Observation> read(List<Path> runDirectories) {
    return Providers.plan().readRuns(List.copyOf(runDirectories));
  }
}
