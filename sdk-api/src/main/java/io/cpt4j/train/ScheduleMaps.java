package io.cpt4j.train;

import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Reading schedules from maps ({@link LrSchedule#fromMap}) and the helpers of {@code toMap}. */
final class ScheduleMaps {
  static final String CONSTANT = "constant";
  static final String WARMUP_DECAY = "warmup-decay";
  static final String INVERSE_SQRT = "inverse-sqrt";
  static final String WSD = "warmup-stable-decay";
  static final String INFINITE = "infinite";
  static final String DECAY = "decay";
  private static final List<String> TYPES = List.of(CONSTANT, WARMUP_DECAY, INVERSE_SQRT, WSD, INFINITE, DECAY);

  private ScheduleMaps() {}

  static Map<String, Object> frozen(Map<String, Object> m) {
    return Collections.unmodifiableMap(m);
  }

  /** {@code prefix + "Steps"} for a span in steps (also for none), {@code prefix + "Fraction"} otherwise. */
  static void putSpan(Map<String, Object> m, String prefix, Span span) {
    if (span.isFraction()) {
      m.put(prefix + "Fraction", span.fraction());
    } else {
      m.put(prefix + "Steps", span.steps());
    }
  }

  static LrSchedule read(Map<String, ?> map) {
    Objects.requireNonNull(map, "schedule map");
    Object type = map.get("type");
    if (type == null) {
      throw new IllegalArgumentException("schedule field 'type' is missing (one of " + String.join(", ", TYPES) + ")");
    }
    Fields f = new Fields(map, type.toString());
    LrSchedule schedule = switch (f.type) {
      case CONSTANT -> new ConstantSchedule(f.lr("startLr", 0.0), f.lr("lr"), f.span("warmup", false));
      case WARMUP_DECAY -> new WarmupDecaySchedule(f.lr("startLr", 0.0), f.lr("maxLr"), f.span("warmup", false),
          f.shape("shape", DecayShape.COSINE), f.lr("minLr"));
      case INVERSE_SQRT -> new InverseSqrtSchedule(f.lr("startLr", 0.0), f.lr("maxLr"), f.span("warmup", false),
          f.steps("timescale", 0L));
      case WSD -> new WsdSchedule(f.lr("startLr", 0.0), f.lr("maxLr"), f.span("warmup", false),
          f.span("decay", true), f.shape("shape", null), f.lr("minLr"));
      case INFINITE -> infinite(f);
      case DECAY -> new DecaySchedule(f.lr("fromLr"), f.steps("fromStep", 0L), f.steps("decaySteps", null),
          f.shape("shape", null), f.lr("minLr"));
      default -> throw new IllegalArgumentException(
          "unknown schedule type '" + f.type + "' (known: " + String.join(", ", TYPES) + ")");
    };
    f.rejectUnknown();
    return schedule;
  }

  private static InfiniteSchedule infinite(Fields f) {
    double constantLr = f.lr("constantLr");
    long annealSteps = f.steps("annealSteps", 0L);
    double minLr = annealSteps > 0 ? f.lr("minLr") : f.lr("minLr", constantLr);
    return new InfiniteSchedule(f.lr("startLr", 0.0), f.lr("maxLr"), f.steps("warmupSteps", 0L),
        f.steps("cooldownSteps", null), constantLr, minLr, annealSteps,
        f.steps("annealStart", InfiniteSchedule.AT_END), f.shape("annealShape", DecayShape.EXPONENTIAL));
  }

  /** The fields of one map: typed reads with messages naming the field, and a check for unknown keys. */
  private static final class Fields {
    private final Map<String, ?> map;
    private final String type;
    private final Set<String> read = new LinkedHashSet<>();

    Fields(Map<String, ?> map, String type) {
      this.map = map;
      this.type = type;
      read.add("type");
    }

    private Object get(String key) {
      read.add(key);
      return map.get(key);
    }

    private IllegalArgumentException bad(String key, String what, Object value) {
      String shown = value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
      return new IllegalArgumentException(
          "schedule field '" + key + "' (type " + type + ") must be " + what + ", got " + shown);
    }

    private IllegalArgumentException missing(String key) {
      String hint = map.keySet().stream().filter(k -> k.equalsIgnoreCase(key) && !k.equals(key)).findFirst()
          .map(k -> "; found '" + k + "'").orElse("");
      return new IllegalArgumentException("schedule field '" + key + "' is missing (type " + type + hint + ")");
    }

    double lr(String key) {
      Object v = get(key);
      if (v == null) {
        throw missing(key);
      }
      return number(key, v);
    }

    double lr(String key, double dflt) {
      Object v = get(key);
      return v == null ? dflt : number(key, v);
    }

    private double number(String key, Object v) {
      double d;
      if (v instanceof Number n) {
        d = n.doubleValue();
      } else if (v instanceof String s) {
        try {
          d = Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
          throw bad(key, "a number", v);
        }
      } else {
        throw bad(key, "a number", v);
      }
      if (!(d >= 0) || Double.isInfinite(d)) {
        throw bad(key, "a finite number >= 0", v);
      }
      return d;
    }

    /** A whole number of steps; {@code dflt == null} makes the field required. */
    long steps(String key, Long dflt) {
      Object v = get(key);
      if (v == null) {
        if (dflt == null) {
          throw missing(key);
        }
        return dflt;
      }
      long n;
      if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
        n = ((Number) v).longValue();
      } else if (v instanceof BigInteger b && b.bitLength() < 64) {
        n = b.longValue();
      } else {
        double d = v instanceof Number || v instanceof String ? number(key, v) : Double.NaN;
        if (d != Math.rint(d) || d >= 0x1p63) {
          throw bad(key, "a whole number of steps >= 0", v);
        }
        n = (long) d;
      }
      if (n < 0) {
        throw bad(key, "a whole number of steps >= 0", v);
      }
      return n;
    }

    /** {@code prefix}Steps or {@code prefix}Fraction, not both. */
    Span span(String prefix, boolean required) {
      String stepsKey = prefix + "Steps";
      String fractionKey = prefix + "Fraction";
      boolean hasSteps = get(stepsKey) != null;
      boolean hasFraction = get(fractionKey) != null;
      if (hasSteps && hasFraction) {
        throw new IllegalArgumentException("schedule fields '" + stepsKey + "' and '" + fractionKey
            + "' (type " + type + ") are exclusive, got both");
      }
      if (hasFraction) {
        double f = number(fractionKey, map.get(fractionKey));
        if (f > 1) {
          throw bad(fractionKey, "a fraction in [0, 1]", map.get(fractionKey));
        }
        return Span.fraction(f);
      }
      if (hasSteps) {
        return Span.steps(steps(stepsKey, null));
      }
      if (required) {
        throw new IllegalArgumentException(
            "schedule field '" + stepsKey + "' or '" + fractionKey + "' is missing (type " + type + ")");
      }
      return Span.NONE;
    }

    /** A shape by id; {@code dflt == null} makes the field required. */
    DecayShape shape(String key, DecayShape dflt) {
      Object v = get(key);
      if (v == null) {
        if (dflt == null) {
          throw missing(key);
        }
        return dflt;
      }
      try {
        return DecayShape.fromId(v.toString());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("schedule field '" + key + "' (type " + type + "): " + e.getMessage(), e);
      }
    }

    void rejectUnknown() {
      Map<String, Object> unknown = new LinkedHashMap<>();
      for (Map.Entry<String, ?> e : map.entrySet()) {
        if (!read.contains(e.getKey())) {
          unknown.put(e.getKey(), e.getValue());
        }
      }
      if (!unknown.isEmpty()) {
        throw new IllegalArgumentException("unknown schedule field" + (unknown.size() > 1 ? "s " : " ")
            + String.join(", ", unknown.keySet().stream().map(k -> "'" + k + "'").toList())
            + " for type " + type + " (known: " + String.join(", ", read) + ")");
      }
    }
  }
}
