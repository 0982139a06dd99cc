package io.cpt4j.plan;

/**
 * The mixture a {@link MixturePlan} recommends for a token budget: the domain share with the lowest
 * predicted domain loss whose predicted general loss stays within the allowed increase over the
 * general loss of training on general data alone (domain share 0) for the same tokens. Immutable.
 *
 * @param ratio the recommended domain share
 * @param tokens the token budget it is for
 * @param domainLoss predicted loss of the domain set at {@code ratio}
 * @param generalLoss predicted loss of the general set at {@code ratio}
 * @param generalReference predicted general loss at domain share 0 (the increase is measured from it)
 * @param bounded whether the general bound decided the ratio (false: the unconstrained best fits it)
 */
public record Recommendation(double ratio, long tokens, double domainLoss, double generalLoss,
    double generalReference, boolean bounded) {

  /** The relative general-loss increase at {@code ratio}: {@code generalLoss / generalReference - 1}. */
  public double generalIncrease() {
    return generalLoss / generalReference - 1;
  }
}
