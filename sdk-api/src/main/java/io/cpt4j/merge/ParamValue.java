package io.cpt4j.merge;

import java.util.List;
import java.util.Objects;

/**
 * A merge parameter whose value may depend on the tensor, as in mergekit's configuration: a
 * constant, a gradient of anchor values interpolated across the model's layers, or a list of
 * name-filtered alternatives (the first whose filter occurs in the tensor name wins).
 *
 * <p>The position {@code t ∈ [0, 1]} of a tensor follows mergekit ({@code MergePlanner}): tensors of
 * decoder layer {@code i} of {@code N} have {@code t = i / (N − 1)} ({@code 1} when {@code N = 1});
 * tensors before the first layer (embeddings) have {@code t = 0}, tensors after the last (final
 * norm, LM head) {@code t = 1}. A gradient of {@code m} anchors takes the value at {@code t·(m − 1)}
 * by linear interpolation between neighbouring anchors (mergekit's {@code evaluate_setting}).
 *
 * <p>All implementations are immutable records and thread-safe.
 */
public sealed interface ParamValue {

  /**
   * The value for tensor {@code tensorName} at layer position {@code t}.
   *
   * @throws MergeException if a filtered value has no alternative for this tensor
   */
  double at(String tensorName, double t);

  /** A constant value. */
  static ParamValue of(double value) {
    return new Constant(value);
  }

  /** A gradient across layers through {@code anchors} (at least one). */
  static ParamValue gradient(double... anchors) {
    return new Gradient(java.util.Arrays.stream(anchors).boxed().toList());
  }

  /** The same value everywhere. */
  record Constant(double value) implements ParamValue {
    public Constant {
      if (!Double.isFinite(value)) {
        throw new MergeException("parameter value must be finite, got " + value);
      }
    }

    @Override
    public double at(String tensorName, double t) {
      return value;
    }

    @Override
    public String toString() {
      return Double.toString(value);
    }
  }

  /**
   * Anchor values spread evenly over the layers and linearly interpolated (mergekit's "gradient"
   * lists, e.g. {@code [0, 0.5, 1]}).
   *
   * @param anchors at least one finite value
   */
  record Gradient(List<Double> anchors) implements ParamValue {
    public Gradient {
      anchors = List.copyOf(anchors);
      if (anchors.isEmpty()) {
        throw new MergeException("a gradient needs at least one value");
      }
      for (double a : anchors) {
        if (!Double.isFinite(a)) {
          throw new MergeException("gradient values must be finite, got " + anchors);
        }
      }
    }

    @Override
    public double at(String tensorName, double t) {
      int m = anchors.size();
      double scaled = Math.clamp(t, 0, 1) * (m - 1);
      int i0 = (int) Math.floor(scaled);
      int i1 = Math.min(m - 1, i0 + 1);
      double frac = scaled - i0;
      return (1 - frac) * anchors.get(i0) + frac * anchors.get(i1);
    }
  }

  /**
   * Alternatives chosen by tensor name: the first rule whose {@code filter} occurs in the tensor's
   * name (or whose filter is null or {@code "*"}, matching every tensor, as in mergekit) gives the
   * value.
   *
   * @param rules at least one rule; the last one usually has a null filter (the default)
   */
  record Filtered(List<Rule> rules) implements ParamValue {
    public Filtered {
      rules = List.copyOf(rules);
      if (rules.isEmpty()) {
        throw new MergeException("a filtered parameter needs at least one rule");
      }
    }

    @Override
    public double at(String tensorName, double t) {
      for (Rule r : rules) {
        if (r.filter() == null || r.filter().equals("*") || tensorName.contains(r.filter())) {
          return r.value().at(tensorName, t);
        }
      }
      throw new MergeException("no value for tensor " + tensorName + ": no filter of " + rules
          + " matches it and there is no default (a rule without filter)");
    }
  }

  /**
   * One alternative of a {@link Filtered} value.
   *
   * @param filter a substring of the tensor name (mergekit tests {@code filter in name}); null or
   *     {@code "*"} matches every tensor
   * @param value the value where the filter matches
   */
  record Rule(String filter, ParamValue value) {
    public Rule {
      Objects.requireNonNull(value, "value");
    }
  }
}
