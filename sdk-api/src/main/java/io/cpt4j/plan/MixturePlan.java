package io.cpt4j.plan;

import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * D-CPT Law fits of every validation set in a set of observations: what mixture ratio and how many
 * tokens a continual pre-training run needs, predicted from a few small runs.
 *
 * <pre>{@code
 * MixturePlan plan = MixturePlan.fit(Observation.read(Path.of("pilots/observations.jsonl")), Set.of("general"));
 * plan.write(Path.of("fit.json"));
 * Map<String, Double> losses = plan.predict(0.3, 50_000_000L, 0);
 * Recommendation r = plan.recommend("domain", "general", 50_000_000L, 0.02);   // at most +2 % general loss
 * }</pre>
 *
 * <p>Each set gets its own {@link MixtureLaw}, the full law when the observations span several
 * model sizes, else the form with N fixed (6 parameters); a set with fewer observations than its
 * law's parameters is refused. Fits minimise squared residuals by Levenberg-Marquardt over
 * positivity-preserving parameters from several starting points, keeping the best. Immutable and
 * thread-safe.
 *
 * @param fits one fit per validation set, in name order
 */
public record MixturePlan(List<MixtureFit> fits) {
  /** The constant epsilon in {@code C / (r + epsilon)^gamma} unless a fit is told otherwise. */
  public static final double DEFAULT_EPSILON = 0.01;

  public MixturePlan {
    fits = List.copyOf(fits);
    if (fits.isEmpty()) {
      throw new IllegalArgumentException("a plan needs at least one fit");
    }
  }

  /**
   * Fits every validation set named in {@code observations}; the sets in {@code generalSets} are
   * general (their r is the general share), the others domain sets.
   *
   * @throws PlanException if a set has fewer observations than parameters, or a general set is not
   *     in the observations
   */
  public static MixturePlan fit(List<Observation> observations, Set<String> generalSets) {
    return Providers.plan().fit(Objects.requireNonNull(observations, "observations"),
        Objects.requireNonNull(generalSets, "generalSets"), DEFAULT_EPSILON);
  }

  /**
   * A plan written by {@link #write}.
   *
   * @throws PlanException if the file is missing or malformed
   */
  public static MixturePlan read(Path fitJson) {
    return Providers.plan().readPlan(Objects.requireNonNull(fitJson, "fitJson"));
  }

  /** Writes the plan as JSON (laws, fit statistics), to a temporary name and then renamed. */
  public void write(Path fitJson) {
    Providers.plan().writePlan(this, Objects.requireNonNull(fitJson, "fitJson"));
  }

  /**
   * Draws the plan into {@code dir} as PNG and SVG: per set the fitted loss against tokens for
   * domain shares 0.1 to 0.9 with {@code observations} marked ({@code law-SET}), and for the first
   * domain and general sets the trade-off between their predicted losses over the domain share
   * ({@code frontier}).
   *
   * @param parameters the model size for laws with a model-size term (else ignored)
   * @return the files written
   * @throws PlanException if a plot cannot be written
   */
  public List<Path> plot(List<Observation> observations, long parameters, Path dir) {
    return Providers.plan().plot(this, List.copyOf(observations), parameters, Objects.requireNonNull(dir, "dir"));
  }

  /**
   * The fit of {@code set}.
   *
   * @throws PlanException naming the sets there are if there is none
   */
  public MixtureFit fit(String set) {
    return fits.stream().filter(f -> f.law().set().equals(set)).findFirst()
        .orElseThrow(() -> new PlanException("no fit for validation set '" + set + "' (the plan has "
            + String.join(", ", fits.stream().map(f -> f.law().set()).toList()) + ")"));
  }

  /** Predicted loss of every set, by name, for a domain share, tokens and (if the laws need it) parameters. */
  public Map<String, Double> predict(double ratio, long tokens, long parameters) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (MixtureFit f : fits) {
      out.put(f.law().set(), f.law().loss(ratio, tokens, parameters));
    }
    return out;
  }

  /**
   * The domain share in [0, 1] (steps of 0.001) with the lowest predicted loss on {@code domainSet}
   * whose predicted loss on {@code generalSet} is at most {@code 1 + maxGeneralIncrease} times that
   * at domain share 0, for {@code tokens} tokens at the model size the laws were fitted at
   * ({@code parameters} when they have a model-size term).
   *
   * @param maxGeneralIncrease the allowed relative increase, e.g. 0.02 for 2 %
   * @throws PlanException if a set is unknown or has the wrong kind
   */
  public Recommendation recommend(String domainSet, String generalSet, long tokens, long parameters,
      double maxGeneralIncrease) {
    MixtureLaw domain = fit(domainSet).law();
    MixtureLaw general = fit(generalSet).law();
    if (domain.general() || !general.general()) {
      throw new PlanException("recommend needs a domain set and a general set: '" + domainSet + "' is a "
          + (domain.general() ? "general" : "domain") + " set, '" + generalSet + "' a "
          + (general.general() ? "general" : "domain") + " set");
    }
    if (!(maxGeneralIncrease >= 0)) {
      throw new IllegalArgumentException("maxGeneralIncrease must be >= 0, got " + maxGeneralIncrease);
    }
    double reference = general.loss(0, tokens, parameters);
    int best = -1;
    int unconstrained = 0;
    double bestLoss = Double.POSITIVE_INFINITY;
    double unconstrainedLoss = Double.POSITIVE_INFINITY;
    for (int i = 0; i <= 1000; i++) {
      double r = i / 1000.0;
      double d = domain.loss(r, tokens, parameters);
      if (d < unconstrainedLoss) {
        unconstrained = i;
        unconstrainedLoss = d;
      }
      if (d < bestLoss && general.loss(r, tokens, parameters) <= reference * (1 + maxGeneralIncrease)) {
        best = i;
        bestLoss = d;
      }
    }
    double r = best / 1000.0; // r = 0 always satisfies the bound
    return new Recommendation(r, tokens, domain.loss(r, tokens, parameters), general.loss(r, tokens, parameters),
        reference, best != unconstrained);
  }

  /**
   * The domain share in [0, 1] (steps of 0.001) minimising {@code weight * domain loss + (1 -
   * weight) * general loss}, the weighted objective; {@link Recommendation#bounded()} is false.
   *
   * @param weight the domain loss's weight, in [0, 1]
   * @throws PlanException if a set is unknown or has the wrong kind
   */
  public Recommendation recommendWeighted(String domainSet, String generalSet, long tokens, long parameters,
      double weight) {
    if (!(weight >= 0 && weight <= 1)) {
      throw new IllegalArgumentException("weight must be in [0, 1], got " + weight);
    }
    Recommendation any = recommend(domainSet, generalSet, tokens, parameters, Double.MAX_VALUE); // checks the kinds
    MixtureLaw domain = fit(domainSet).law();
    MixtureLaw general = fit(generalSet).law();
    int best = 0;
    double bestValue = Double.POSITIVE_INFINITY;
    for (int i = 0; i <= 1000; i++) {
      double v = weight * domain.loss(i / 1000.0, tokens, parameters)
          + (1 - weight) * general.loss(i / 1000.0, tokens, parameters);
      if (v < bestValue) {
        bestValue = v;
        best = i;
      }
    }
    double r = best / 1000.0;
    return new Recommendation(r, tokens, domain.loss(r, tokens, parameters), general.loss(r, tokens, parameters),
        any.generalReference(), false);
  }
}
