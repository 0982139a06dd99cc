package io.cpt4j.train.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.backend.Regularizer;
import io.cpt4j.backend.Trainable;
import io.cpt4j.train.RunConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The run file's {@code trainable:} and {@code regularize:} keys: {@code trainable} a list of
 * regular expressions (or one string), {@code regularize} a list of {@code {type, weight,
 * temperature, sources}}. Both are written to {@code run.json} only when set, so the run.json of
 * other runs is unchanged. Stateless.
 */
final class ForgettingControlCodec {
  static final String TRAINABLE = "trainable";
  static final String REGULARIZE = "regularize";
  private static final Set<String> REGULARIZER_KEYS = Set.of("type", "weight", "temperature", "sources");

  private ForgettingControlCodec() {}

  /** Reads both keys of {@code root} into {@code b}; errors name the key and entry. */
  static void read(JsonNode root, RunConfig.Builder b) {
    JsonNode t = root.path(TRAINABLE);
    if (!t.isMissingNode() && !t.isNull()) {
      List<String> patterns = new ArrayList<>();
      if (t.isTextual()) {
        patterns.add(t.asText());
      } else if (t.isArray() && !t.isEmpty()) {
        for (JsonNode p : t) {
          if (!p.isTextual()) {
            throw new IllegalArgumentException("trainable entries must be strings (regular expressions over tensor "
                + "names), got " + p);
          }
          patterns.add(p.asText());
        }
      } else {
        throw new IllegalArgumentException("trainable must be a regular expression or a non-empty list of them");
      }
      b.trainable(new Trainable(patterns));
    }
    JsonNode r = root.path(REGULARIZE);
    if (r.isMissingNode() || r.isNull()) {
      return;
    }
    if (!r.isArray()) {
      throw new IllegalArgumentException("regularize must be a list of {type, weight, temperature, sources}");
    }
    List<Regularizer> regs = new ArrayList<>();
    for (int i = 0; i < r.size(); i++) {
      regs.add(regularizer(r.get(i), "regularize[" + i + "]"));
    }
    b.regularizers(regs);
  }

  private static Regularizer regularizer(JsonNode n, String where) {
    if (!n.isObject()) {
      throw new IllegalArgumentException(where + " must be a mapping {type, weight, temperature, sources}");
    }
    n.fieldNames().forEachRemaining(k -> {
      if (!REGULARIZER_KEYS.contains(k)) {
        throw new IllegalArgumentException(where + ": unknown key '" + k + "' (known: type, weight, temperature, "
            + "sources)");
      }
    });
    if (!n.path("type").isTextual()) {
      throw new IllegalArgumentException(where + ".type is required: kl, logit_swap or l2");
    }
    if (!n.path("weight").isNumber()) {
      throw new IllegalArgumentException(where + ".weight is required and must be a number");
    }
    Set<String> sources = new LinkedHashSet<>();
    JsonNode s = n.path("sources");
    if (!s.isMissingNode() && !s.isNull()) {
      if (!s.isArray()) {
        throw new IllegalArgumentException(where + ".sources must be a list of mixture source names");
      }
      s.forEach(x -> sources.add(x.asText()));
    }
    try {
      return new Regularizer(Regularizer.Kind.of(n.get("type").asText()), n.get("weight").asDouble(),
          n.path("temperature").asDouble(1), sources);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  /** Writes the keys that differ from the defaults. */
  static void write(RunConfig c, ObjectNode o) {
    if (!c.trainable().isAll()) {
      ArrayNode a = o.putArray(TRAINABLE);
      c.trainable().patterns().forEach(a::add);
    }
    if (!c.regularizers().isEmpty()) {
      ArrayNode a = o.putArray(REGULARIZE);
      for (Regularizer r : c.regularizers()) {
        ObjectNode e = a.addObject().put("type", r.kind().key()).put("weight", r.weight());
        if (r.distills()) {
          e.put("temperature", r.temperature());
        }
        if (!r.sources().isEmpty()) {
          ArrayNode src = e.putArray("sources");
          r.sources().stream().sorted().forEach(src::add);
        }
      }
    }
  }
}
