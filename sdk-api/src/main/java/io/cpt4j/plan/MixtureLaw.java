package io.cpt4j.plan;

import java.util.Objects;

/**
 * The D-CPT Law (Que et al. 2024) of one validation set: its loss after continual pre-training on
 * a mixture with domain share {@code ratio}, for {@code tokens} D and model size N,
 *
 * <pre>
 * L(N, D, r) = E + A / N^alpha + B * r^eta / D^beta + C / (r + epsilon)^gamma
 * </pre>
 *
 * where r is the domain share for a domain set and the general share {@code 1 - ratio} for a
 * general set (so a general set's loss rises as the domain share grows). All of E, A, B, C, alpha,
 * beta, gamma are positive and 0 &lt; eta &lt; 1, the paper's constraints: the loss falls with more
 * tokens and a larger model, and with a larger share of the set's own data wherever the mixture
 * term {@code C / (r + epsilon)^gamma} falls faster than the data term grows (the paper's trend). A
 * law fitted at one model size has {@code a == 0} (E then holds A / N^alpha). Immutable and
 * thread-safe.
 *
 * @param set the validation set's name
 * @param general whether r is the general share (a general set) rather than the domain share
 * @param e irreducible loss E
 * @param a model-size coefficient A (0 when N was fixed)
 * @param alpha model-size exponent
 * @param b data coefficient B
 * @param eta mixture exponent of the data term, in (0, 1)
 * @param beta data exponent
 * @param c mixture coefficient C
 * @param gamma mixture exponent
 * @param epsilon the small constant that keeps r = 0 finite (not fitted)
 */
public record MixtureLaw(String set, boolean general, double e, double a, double alpha, double b, double eta,
    double beta, double c, double gamma, double epsilon) {
  public MixtureLaw {
    Objects.requireNonNull(set, "set");
    for (double v : new double[] {e, a, alpha, b, eta, beta, c, gamma, epsilon}) {
      if (!Double.isFinite(v) || v < 0) {
        throw new IllegalArgumentException("law of '" + set + "': parameters must be finite and >= 0");
      }
    }
  }

  /** Whether the law has a model-size term (it was fitted over several model sizes). */
  public boolean hasModelSize() {
    return a > 0;
  }

  /**
   * The predicted loss.
   *
   * @param ratio the domain share of the mixture, in [0, 1]
   * @param tokens training tokens
   * @param parameters model parameters (ignored by a law without a model-size term)
   */
  public double loss(double ratio, double tokens, double parameters) {
    if (!(ratio >= 0 && ratio <= 1) || !(tokens > 0)) {
      throw new IllegalArgumentException("ratio must be in [0, 1] and tokens positive, got " + ratio + " and " + tokens);
    }
    if (hasModelSize() && !(parameters > 0)) {
      throw new IllegalArgumentException("law of '" + set + "' depends on the model size: give its parameters");
    }
    double r = general ? 1 - ratio : ratio;
    return floor(r, parameters) + b * Math.pow(r, eta) / Math.pow(tokens, beta);
  }

  /** {@code E + A/N^alpha + C/(r + epsilon)^gamma}: the loss with unlimited tokens at the set's share r. */
  private double floor(double r, double parameters) {
    double size = hasModelSize() ? a / Math.pow(parameters, alpha) : 0;
    return e + size + c / Math.pow(r + epsilon, gamma);
  }

  /**
   * The tokens at which the loss reaches {@code target} at {@code ratio}, or -1 if it never does
   * (the target is at or below the law's floor for that ratio, {@code E + A/N^alpha + C/(r+eps)^gamma}).
   */
  public double tokensFor(double target, double ratio, double parameters) {
    loss(ratio, 1, parameters); // checks the arguments
    double r = general ? 1 - ratio : ratio;
    double gap = target - floor(r, parameters);
    double data = b * Math.pow(r, eta);
    if (!(gap > 0) || data == 0) {
      return -1;
    }
    return Math.pow(data / gap, 1 / beta);
  }
}
