package io.cpt4j.merge.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeMethod;
import io.cpt4j.merge.ParamValue;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.function.Function;

/**
 * The merge methods a YAML merge config may name, with the parameters each takes (mergekit's names
 * and defaults), and the parsing of parameter values: a number, a list of numbers (a gradient across
 * layers) or a list of {@code {filter, value}} alternatives. Stateless.
 */
final class MergeConfigParams {
  private MergeConfigParams() {}

  /** A config error at a path of the YAML tree (turned into a {@link MergeException} with the line). */
  static final class Bad extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String path;

    Bad(String path, String message) {
      super(message, null, false, false);
      this.path = path;
    }
  }

  /**
   * One method: its global parameters (top-level {@code parameters}), its per-model parameters
   * ({@code models[].parameters}, also accepted at top level as the default for every model), whether
   * each model needs a weight, and how the method record is made from the global parameters.
   */
  record Def(String name, List<String> global, List<String> perModel, boolean weightRequired,
      boolean needsBase, Function<Params, MergeMethod> build) {

    SequencedSet<String> topLevel() {
      SequencedSet<String> s = new LinkedHashSet<>(global);
      s.addAll(perModel);
      return s;
    }
  }

  private static final List<String> GTA = List.of("lambda", "normalize", "int8_mask", "rescale");
  private static final List<String> DARE = List.of("lambda", "normalize", "int8_mask", "rescale", "seed");
  private static final List<String> WEIGHT = List.of("weight");
  private static final List<String> WEIGHT_DENSITY = List.of("weight", "density");
  private static final List<String> BREADCRUMBS = List.of("weight", "density", "gamma");

  static final Map<String, Def> METHODS = Map.ofEntries(
      def(new Def("linear", List.of("normalize"), WEIGHT, true, false,
          p -> new MergeMethod.Linear(p.bool("normalize", true)))),
      def(new Def("task_arithmetic", List.of("lambda", "normalize", "int8_mask"), WEIGHT, true, true,
          p -> new MergeMethod.TaskArithmetic(p.num("lambda", 1), p.bool("normalize", false)))),
      def(new Def("ties", GTA, WEIGHT_DENSITY, true, true,
          p -> rescale(new MergeMethod.Ties(p.num("lambda", 1), p.bool("normalize", true)), p, false))),
      def(new Def("dare_linear", DARE, WEIGHT_DENSITY, true, true,
          p -> rescale(new MergeMethod.DareLinear(p.num("lambda", 1), p.bool("normalize", false), p.seed()), p, true))),
      def(new Def("dare_ties", DARE, WEIGHT_DENSITY, true, true,
          p -> rescale(new MergeMethod.DareTies(p.num("lambda", 1), p.bool("normalize", true), p.seed()), p, true))),
      def(new Def("breadcrumbs", GTA, BREADCRUMBS, true, true,
          p -> rescale(new MergeMethod.Breadcrumbs(p.num("lambda", 1), p.bool("normalize", false), p.gamma()), p, false))),
      def(new Def("breadcrumbs_ties", GTA, BREADCRUMBS, true, true,
          p -> rescale(new MergeMethod.BreadcrumbsTies(p.num("lambda", 1), p.bool("normalize", true),
              p.gamma()), p, false))),
      def(new Def("slerp", List.of("t"), List.of(), false, true, p -> new MergeMethod.Slerp(p.required("t")))),
      def(new Def("model_stock", List.of("filter_wise"), List.of(), false, true,
          p -> new MergeMethod.ModelStock(p.bool("filter_wise", false)))),
      def(new Def("chat_vector", List.of("ratio"), List.of(), false, true,
          p -> new MergeMethod.ChatVector(p.num("ratio", 1)))));

  private static Map.Entry<String, Def> def(Def d) {
    return Map.entry(d.name(), d);
  }

  /** Lets the method table check {@code rescale} inline. */
  private static <M extends MergeMethod> M rescale(M m, Params p, boolean supported) {
    JsonNode r = p.node.get("rescale");
    if (r != null && (!r.isBoolean() || r.booleanValue() != supported)) {
      throw new Bad(YamlLines.join(p.path, "rescale"), supported
          ? "must be true: DARE always rescales the kept entries by 1/density"
          : "must be false: " + m.name() + " does not rescale the kept entries");
    }
    return m;
  }

  /**
   * The top-level {@code parameters} mapping of one merge (keys already checked), with the
   * per-model {@code gamma} values that breadcrumbs folds into its single value.
   */
  static final class Params {
    final JsonNode node;
    final String path;
    final List<Map.Entry<String, JsonNode>> modelGammas = new ArrayList<>();

    Params(JsonNode node, String path) {
      this.node = node;
      this.path = path;
    }

    boolean bool(String key, boolean dflt) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isBoolean()) {
        throw new Bad(YamlLines.join(path, key), "must be true or false, got " + show(v));
      }
      return v.booleanValue();
    }

    double num(String key, double dflt) {
      JsonNode v = node.get(key);
      return v == null || v.isNull() ? dflt : scalar(v, YamlLines.join(path, key));
    }

    long seed() {
      JsonNode v = node.get("seed");
      if (v == null || v.isNull()) {
        return 0;
      }
      if (!v.canConvertToExactIntegral() || !v.canConvertToLong()) {
        throw new Bad(YamlLines.join(path, "seed"), "must be an integer, got " + show(v));
      }
      return v.longValue();
    }

    ParamValue required(String key) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        throw new Bad(YamlLines.join(path, key), "is required");
      }
      return value(v, YamlLines.join(path, key));
    }

    /** One gamma for the whole merge: the top-level one, or the per-model ones if they all agree. */
    double gamma() {
      double g = num("gamma", Double.NaN);
      String from = YamlLines.join(path, "gamma");
      for (Map.Entry<String, JsonNode> e : modelGammas) {
        double mg = scalar(e.getValue(), e.getKey());
        if (!Double.isNaN(g) && mg != g) {
          throw new Bad(e.getKey(), "is " + mg + " but " + from + " is " + g
              + ": cpt4j takes one gamma for all models");
        }
        g = mg;
        from = e.getKey();
      }
      return Double.isNaN(g) ? 0.01 : g;
    }
  }

  /** A single number. */
  static double scalar(JsonNode v, String path) {
    if (!v.isNumber()) {
      throw new Bad(path, "must be a number, got " + show(v));
    }
    double d = v.doubleValue();
    if (!Double.isFinite(d)) {
      throw new Bad(path, "must be finite, got " + d);
    }
    return d;
  }

  /** A number, a gradient list of numbers, or a list of {@code {filter, value}} alternatives. */
  static ParamValue value(JsonNode v, String path) {
    if (v.isNumber()) {
      return ParamValue.of(scalar(v, path));
    }
    if (!v.isArray()) {
      throw new Bad(path, "must be a number, a list of numbers (a gradient across layers) or a list of "
          + "{filter, value} entries, got " + show(v));
    }
    if (v.isEmpty()) {
      throw new Bad(path, "must not be an empty list");
    }
    if (v.get(0).isObject()) {
      List<ParamValue.Rule> rules = new ArrayList<>();
      for (int i = 0; i < v.size(); i++) {
        JsonNode r = v.get(i);
        String at = path + "[" + i + "]";
        if (!r.isObject()) {
          throw new Bad(at, "must be a {filter, value} entry like the first one, got " + show(r));
        }
        r.fieldNames().forEachRemaining(k -> {
          if (!k.equals("filter") && !k.equals("value")) {
            throw new Bad(YamlLines.join(at, k), "unknown key (an entry has filter and value)");
          }
        });
        JsonNode value = r.get("value");
        if (value == null || value.isNull()) {
          throw new Bad(YamlLines.join(at, "value"), "is required");
        }
        if (value.isArray() && !value.isEmpty() && value.get(0).isObject()) {
          throw new Bad(YamlLines.join(at, "value"), "must be a number or a list of numbers");
        }
        JsonNode filter = r.get("filter");
        if (filter != null && !filter.isNull() && !filter.isTextual()) {
          throw new Bad(YamlLines.join(at, "filter"), "must be a string (a part of tensor names), got " + show(filter));
        }
        String f = filter == null || filter.isNull() ? null : filter.textValue();
        rules.add(new ParamValue.Rule(f, value(value, YamlLines.join(at, "value"))));
      }
      return new ParamValue.Filtered(rules);
    }
    List<Double> anchors = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      anchors.add(scalar(v.get(i), path + "[" + i + "]"));
    }
    return new ParamValue.Gradient(anchors);
  }

  /** Every number a value can take (its constants, anchors and rules' values). */
  static List<Double> leaves(ParamValue v) {
    return switch (v) {
      case ParamValue.Constant c -> List.of(c.value());
      case ParamValue.Gradient g -> g.anchors();
      case ParamValue.Filtered f -> f.rules().stream().flatMap(r -> leaves(r.value()).stream()).toList();
    };
  }

  static String show(JsonNode v) {
    String s = v.isTextual() ? "'" + v.textValue() + "'" : v.toString();
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
