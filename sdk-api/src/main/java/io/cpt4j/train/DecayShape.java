package io.cpt4j.train;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a decay phase goes from its first learning rate {@code from} to its last {@code to} as its
 * progress {@code p} goes from 0 (the phase's first step) to 1 (its last step).
 *
 * <ul>
 *   <li>{@link #LINEAR}: {@code to + (from - to)·(1 - p)}
 *   <li>{@link #COSINE}: {@code to + (from - to)·(1 + cos(π·p))/2}
 *   <li>{@link #ONE_MINUS_SQRT}: {@code to + (from - to)·(1 - sqrt(p))} (Hägele et al. 2024, the
 *       cooldown of warmup-stable-decay)
 *   <li>{@link #EXPONENTIAL}: {@code from·(to/from)^p} (the anneal of Ibrahim et al. 2024); needs
 *       {@code to > 0}
 * </ul>
 *
 * Every shape is exactly {@code from} at {@code p = 0} and exactly {@code to} at {@code p = 1}.
 */
public enum DecayShape {
  LINEAR("linear"),
  COSINE("cosine"),
  ONE_MINUS_SQRT("1-sqrt"),
  EXPONENTIAL("exponential");

  private final String id;

  DecayShape(String id) {
    this.id = id;
  }

  /** The name in run files and descriptions: {@code linear}, {@code cosine}, {@code 1-sqrt}, {@code exponential}. */
  public String id() {
    return id;
  }

  /** The shape named {@code id} (as {@link #id()} spells it, case-insensitive). */
  public static DecayShape fromId(String id) {
    for (DecayShape s : values()) {
      if (s.id.equalsIgnoreCase(id)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown decay shape '" + id + "' (known: "
        + Arrays.stream(values()).map(DecayShape::id).collect(Collectors.joining(", ")) + ")");
  }

  /** The learning rate at progress {@code p} in [0, 1] of a decay from {@code from} to {@code to}. */
  public double at(double from, double to, double p) {
    if (p <= 0) {
      return from;
    }
    if (p >= 1) {
      return to;
    }
    return switch (this) {
      case LINEAR -> to + (from - to) * (1 - p);
      case COSINE -> to + (from - to) * 0.5 * (1 + Math.cos(Math.PI * p));
      case ONE_MINUS_SQRT -> to + (from - to) * (1 - Math.sqrt(p));
      case EXPONENTIAL -> from * Math.pow(to / from, p);
    };
  }
}
