package io.cpt4j.plan;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A {@link MixtureLaw} fitted to the observations of one validation set, with how well it fits.
 * Immutable and thread-safe.
 *
 * @param law the fitted law
 * @param observations observations it was fitted to
 * @param r2 coefficient of determination, {@code 1 - SSE / SST}
 * @param rmse root-mean-square residual, in nats
 * @param maxRelativeError the largest |predicted - observed| / observed
 * @param residuals observed minus predicted, one per observation in the order given
 */
public record MixtureFit(MixtureLaw law, int observations, double r2, double rmse, double maxRelativeError,
    List<Double> residuals) {
  public MixtureFit {
    Objects.requireNonNull(law, "law");
    residuals = List.copyOf(residuals);
    if (residuals.size() != observations) {
      throw new IllegalArgumentException("one residual per observation: " + residuals.size() + " for " + observations);
    }
  }

  /**
   * One line, e.g. {@code domain (domain share): L = 1.92 + 3.1e+01 * r^0.41 / D^0.27 + 0.050 / (r + 0.01)^0.33;
   * n=20, R2 0.9987, RMSE 0.0041, max error 0.31%}.
   */
  public String describe() {
    MixtureLaw l = law;
    String size = l.hasModelSize() ? String.format(Locale.ROOT, " + %.3g / N^%.3f", l.a(), l.alpha()) : "";
    return String.format(Locale.ROOT, "%s (%s share): L = %.4g%s + %.4g * r^%.3f / D^%.3f + %.4g / (r + %.3g)^%.3f;"
        + " n=%d, R2 %.4f, RMSE %.4f, max error %.2f%%", l.set(), l.general() ? "general" : "domain", l.e(), size,
        l.b(), l.eta(), l.beta(), l.c(), l.epsilon(), l.gamma(), observations, r2, rmse, 100 * maxRelativeError);
  }
}
