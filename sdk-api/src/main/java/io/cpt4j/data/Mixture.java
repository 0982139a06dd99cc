package io.cpt4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Weighted sources for continual pre-training: the new domain and replayed general data, in
 * proportions that may follow a schedule over training progress. Immutable and thread-safe; every
 * option returns a new {@code Mixture}. A {@link MixtureSampler} turns it into batches.
 *
 * <pre>{@code
 * Mixture.of(domain, 0.9).replay(general, 0.1);                       // fixed 90/10
 * Mixture.of(domain, 0.5).replay(general, 0.5).at(1.0, 0.95, 0.05);   // 50/50 at the start, 95/5 at the end
 * }</pre>
 *
 * <p>Weights are relative (normalised to sum 1) and measured in tokens: over any window of 100 or
 * more batches the realised token shares are within 1 % of the scheduled weights, for batches of at
 * least as many packed rows as there are sources (the bound is given in {@link MixtureSampler}).
 * The schedule is piecewise-linear in the fraction of planned tokens produced, between knots: the
 * weights given with the sources are the knot at progress 0, and {@link #at} adds knots (one weight
 * per component, in order); after the last knot the weights stay constant.
 *
 * <p>Defaults: seed 0, no metadata conditioning.
 */
public final class Mixture {
  /**
   * One source of the mixture.
   *
   * @param source where its documents come from
   * @param weight its weight at progress 0
   * @param limits budget, subset, epochs and exhaustion behaviour
   * @param replay whether it was added as replayed (general) data, for reports
   */
  public record Component(Source source, double weight, Limits limits, boolean replay) {
    public Component {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(limits, "limits");
      requireWeight(weight);
    }
  }

  /** Weights (one per component) at a point of training progress in [0, 1]. */
  public record Knot(double progress, List<Double> weights) {
    public Knot {
      if (!(progress >= 0 && progress <= 1)) {
        throw new IllegalArgumentException("schedule progress must be in [0, 1], got " + progress);
      }
      weights = List.copyOf(weights);
      weights.forEach(Mixture::requireWeight);
      if (weights.stream().mapToDouble(Double::doubleValue).sum() <= 0) {
        throw new IllegalArgumentException("at progress " + progress + " every weight is 0");
      }
    }
  }

  private final List<Component> components;
  private final List<Knot> knots; // after progress 0
  private final long seed;
  private final double metadataConditioning;

  private Mixture(List<Component> components, List<Knot> knots, long seed, double metadataConditioning) {
    this.components = List.copyOf(components);
    this.knots = List.copyOf(knots);
    this.seed = seed;
    this.metadataConditioning = metadataConditioning;
  }

  /** A mixture of one source (add more with {@link #and} and {@link #replay}). */
  public static Mixture of(Source source, double weight) {
    return of(source, weight, Limits.none());
  }

  public static Mixture of(Source source, double weight, Limits limits) {
    return new Mixture(List.of(new Component(source, weight, limits, false)), List.of(), 0, 0);
  }

  /** Adds a source of new data. */
  public Mixture and(Source source, double weight) {
    return and(source, weight, Limits.none());
  }

  public Mixture and(Source source, double weight, Limits limits) {
    return add(new Component(source, weight, limits, false));
  }

  /** Adds replayed general data (the same as {@link #and}, marked as replay in reports). */
  public Mixture replay(Source source, double weight) {
    return replay(source, weight, Limits.none());
  }

  public Mixture replay(Source source, double weight, Limits limits) {
    return add(new Component(source, weight, limits, true));
  }

  private Mixture add(Component c) {
    if (!knots.isEmpty()) {
      throw new IllegalStateException("add every source before the schedule's knots (at(...))");
    }
    for (Component existing : components) {
      if (existing.source().name().equals(c.source().name())) {
        throw new IllegalArgumentException("two sources are named '" + c.source().name()
            + "': give one another name with Source.named(...)");
      }
    }
    List<Component> all = new ArrayList<>(components);
    all.add(c);
    return new Mixture(all, knots, seed, metadataConditioning);
  }

  /**
   * Adds a schedule knot: at {@code progress} (fraction of planned tokens, after the previous knot)
   * the weights are {@code weights}, one per component in the order they were added.
   */
  public Mixture at(double progress, double... weights) {
    if (weights.length != components.size()) {
      throw new IllegalArgumentException("at(" + progress + ") gives " + weights.length + " weights for "
          + components.size() + " sources");
    }
    double last = knots.isEmpty() ? 0 : knots.getLast().progress();
    if (!(progress > last)) {
      throw new IllegalArgumentException("schedule knots must increase: " + progress + " after " + last);
    }
    List<Knot> all = new ArrayList<>(knots);
    all.add(new Knot(progress, Arrays.stream(weights).boxed().toList()));
    return new Mixture(components, all, seed, metadataConditioning);
  }

  /** The seed of every random choice (document order per pass, subsets). Default 0. */
  public Mixture seed(long newSeed) {
    return new Mixture(components, knots, newSeed, metadataConditioning);
  }

  /**
   * Metadata conditioning then cooldown (MeCo): for the first {@code fraction} of planned tokens,
   * each document that has a metadata prefix in its {@link TokenDataset} (see {@link
   * ShardOptions#metadataTemplate()}) is preceded by it, with no loss on the prefix; afterwards
   * documents are plain. 0 turns it off (the default).
   *
   * <p>Precisely: a document begun in a row whose progress (before the row) is below {@code
   * fraction} is read as prefix, document, EOS. Every target that is a prefix token is ignored; the
   * first document token is predicted from the last prefix token (that target is kept: it is the
   * conditioning). The prefix belongs to its document (same document id, so the document attends to
   * it) and counts as tokens of its source.
   */
  public Mixture metadataConditioning(double fraction) {
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException("metadata conditioning fraction must be in [0, 1], got " + fraction);
    }
    return new Mixture(components, knots, seed, fraction);
  }

  public List<Component> components() {
    return components;
  }

  /** The knots, progress 0 (the components' weights) first. */
  public List<Knot> schedule() {
    List<Knot> all = new ArrayList<>();
    all.add(new Knot(0, components.stream().map(Component::weight).toList()));
    all.addAll(knots);
    return all;
  }

  public long seed() {
    return seed;
  }

  public double metadataConditioningFraction() {
    return metadataConditioning;
  }

  /** Normalised weights at {@code progress}, linearly interpolated between knots. */
  public double[] weightsAt(double progress) {
    List<Knot> all = schedule();
    double p = Math.max(0, Math.min(1, progress));
    int k = 0;
    while (k + 1 < all.size() && all.get(k + 1).progress() <= p) {
      k++;
    }
    double[] w = new double[components.size()];
    Knot a = all.get(k);
    if (k + 1 == all.size()) {
      for (int i = 0; i < w.length; i++) {
        w[i] = a.weights().get(i);
      }
    } else {
      Knot b = all.get(k + 1);
      double t = (p - a.progress()) / (b.progress() - a.progress());
      for (int i = 0; i < w.length; i++) {
        w[i] = (1 - t) * a.weights().get(i) + t * b.weights().get(i);
      }
    }
    double sum = Arrays.stream(w).sum();
    for (int i = 0; i < w.length; i++) {
      w[i] /= sum;
    }
    return w;
  }

  private static void requireWeight(double w) {
    if (!(w >= 0) || Double.isInfinite(w)) {
      throw new IllegalArgumentException("a mixture weight must be finite and >= 0, got " + w);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Mixture m && components.equals(m.components) && knots.equals(m.knots) && seed == m.seed
        && metadataConditioning == m.metadataConditioning;
  }

  @Override
  public int hashCode() {
    return Objects.hash(components, knots, seed, metadataConditioning);
  }

  @Override
  public String toString() {
    return "Mixture" + schedule() + " of " + components.stream().map(c -> c.source().name()).toList();
  }
}
