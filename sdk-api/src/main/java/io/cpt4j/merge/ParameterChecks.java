package io.cpt4j.merge;

/**
 * The range checks of the {@link MergeMethod} records' compact constructors: each throws a {@link
 * MergeException} naming the parameter, its range and the value given. Stateless.
 */
final class ParameterChecks {
  private ParameterChecks() {}

  static void finite(String name, double v) {
    if (!Double.isFinite(v)) {
      throw new MergeException(name + " must be finite, got " + v);
    }
  }

  static void finiteNonNegative(String name, double v) {
    if (!(v >= 0 && v < Double.POSITIVE_INFINITY)) {
      throw new MergeException(name + " must be finite and >= 0, got " + v);
    }
  }

  static void gamma(double gamma) {
    if (!(gamma >= 0 && gamma < 1)) {
      throw new MergeException("gamma must be in [0, 1), got " + gamma);
    }
  }

  static void dellaEpsilon(double epsilon) {
    if (!(epsilon >= 0 && epsilon < 0.5)) {
      throw new MergeException("epsilon must be in [0, 0.5), got " + epsilon);
    }
  }
}
