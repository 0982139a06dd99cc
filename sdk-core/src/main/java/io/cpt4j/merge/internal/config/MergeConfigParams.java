package io.cpt4j.merge.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeParameter;
import io.cpt4j.merge.MethodDeclaration;
import io.cpt4j.merge.ParamValue;
import io.cpt4j.yaml.internal.YamlScan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a YAML merge config, read as each method's {@link MethodDeclaration} declares
 * them (keys, types, defaults, required and fixed ones), and the parsing of parameter values: a
 * number, a list of numbers (a gradient across layers) or a list of {@code {filter, value}}
 * alternatives. No method is named here: everything per method comes from its declaration.
 * Stateless.
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

  /** The keys a method takes under the top-level {@code parameters}: all its parameters, in declared order. */
  static List<String> topLevel(MethodDeclaration method) {
    return method.parameters().stream().map(MergeParameter::name).toList();
  }

  /** The keys a method takes under {@code models[].parameters}. */
  static List<String> perModel(MethodDeclaration method) {
    return method.parameters().stream().filter(MergeParameter::perModel).map(MergeParameter::name).toList();
  }

  /**
   * The value of per-model parameter {@code name} for one model: its own (under {@code at}), else
   * the top-level one, else the declared default; {@code 1} when the method does not declare it (a
   * {@link io.cpt4j.merge.MergeInput}'s default).
   *
   * @param own the model's {@code parameters} mapping
   * @param top the top-level {@code parameters} mapping
   * @param at the key path of {@code own}
   */
  static ParamValue perModel(MethodDeclaration method, String name, JsonNode own, JsonNode top, String at) {
    MergeParameter p = method.parameter(name).filter(MergeParameter::perModel).orElse(null);
    if (p == null) {
      return ParamValue.of(1);
    }
    JsonNode v = own.has(name) ? own.get(name) : top.get(name);
    String vAt = own.has(name) ? at + "." + name : YamlScan.join("parameters", name);
    if (v == null || v.isNull()) {
      if (p.required()) {
        throw new Bad(at + "." + name, "is required by " + method.name()
            + " (give it here, or once under the top-level parameters for every model)");
      }
      return ParamValue.of(Double.parseDouble(p.defaultValue().orElseThrow()));
    }
    ParamValue value = value(v, vAt);
    if (p.type() == MergeParameter.Type.DENSITY) {
      for (double d : leaves(value)) {
        if (!(d > 0 && d <= 1)) {
          throw new Bad(vAt, "densities must be in (0, 1], got " + d);
        }
      }
    }
    return value;
  }

  /**
   * The top-level {@code parameters} mapping of one merge (keys already checked) as the arguments of
   * its method's {@link MethodDeclaration#create}, with the per-model values of its {@link
   * MergeParameter.Scope#UNIFORM uniform} parameters, which fold into one value.
   */
  static final class Params implements MethodDeclaration.Arguments {
    final MethodDeclaration method;
    final JsonNode node;
    final String path;
    /** Per-model values of uniform parameters: parameter name, key path, value. */
    final List<Map.Entry<String, Map.Entry<String, JsonNode>>> modelValues = new ArrayList<>();

    Params(MethodDeclaration method, JsonNode node, String path) {
      this.method = method;
      this.node = node;
      this.path = path;
    }

    private MergeParameter declared(String name) {
      return method.parameter(name).orElseThrow(() -> new IllegalArgumentException(
          method.name() + " declares no parameter " + name));
    }

    private String dflt(String name) {
      return declared(name).defaultValue().orElseThrow(() -> new Bad(YamlScan.join(path, name), "is required"));
    }

    @Override
    public boolean bool(String key) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        return Boolean.parseBoolean(dflt(key));
      }
      if (!v.isBoolean()) {
        throw new Bad(YamlScan.join(path, key), "must be true or false, got " + show(v));
      }
      return v.booleanValue();
    }

    @Override
    public double number(String key) {
      Map.Entry<String, JsonNode> v = given(key);
      return v == null ? Double.parseDouble(dflt(key)) : scalar(v.getValue(), v.getKey());
    }

    @Override
    public long integer(String key) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        return Long.parseLong(dflt(key));
      }
      if (!v.canConvertToExactIntegral() || !v.canConvertToLong()) {
        throw new Bad(YamlScan.join(path, key), "must be an integer, got " + show(v));
      }
      return v.longValue();
    }

    @Override
    public ParamValue value(String key) {
      Map.Entry<String, JsonNode> v = given(key);
      return v == null ? ParamValue.of(Double.parseDouble(dflt(key))) : MergeConfigParams.value(v.getValue(), v.getKey());
    }

    /**
     * The value given for {@code key} and its key path, or null: the top-level one, or for a {@link
     * MergeParameter.Scope#UNIFORM uniform} parameter the one value the top level and the models agree on.
     */
    private Map.Entry<String, JsonNode> given(String key) {
      JsonNode top = node.get(key);
      Map.Entry<String, JsonNode> g = top == null || top.isNull() ? null : Map.entry(YamlScan.join(path, key), top);
      if (declared(key).scope() != MergeParameter.Scope.UNIFORM) {
        return g;
      }
      for (Map.Entry<String, Map.Entry<String, JsonNode>> e : modelValues) {
        if (!e.getKey().equals(key)) {
          continue;
        }
        Map.Entry<String, JsonNode> m = e.getValue();
        if (g != null && !same(g.getValue(), m.getValue())) {
          throw new Bad(m.getKey(), "is " + show(m.getValue()) + " but " + g.getKey() + " is " + show(g.getValue())
              + ": cpt4j takes one " + key + " for all models");
        }
        g = m;
      }
      return g;
    }

    private static boolean same(JsonNode a, JsonNode b) {
      return a.isNumber() && b.isNumber() ? a.doubleValue() == b.doubleValue() : a.equals(b);
    }

    /** Refuses a fixed parameter given with another value than its declared one, saying why. */
    void checkFixed() {
      for (MergeParameter p : method.parameters()) {
        JsonNode r = node.get(p.name());
        if (p.fixed() && r != null) {
          boolean value = Boolean.parseBoolean(p.defaultValue().orElseThrow());
          if (!r.isBoolean() || r.booleanValue() != value) {
            throw new Bad(YamlScan.join(path, p.name()), "must be " + value + ": " + p.doc());
          }
        }
      }
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
            throw new Bad(YamlScan.join(at, k), "unknown key (an entry has filter and value)");
          }
        });
        JsonNode value = r.get("value");
        if (value == null || value.isNull()) {
          throw new Bad(YamlScan.join(at, "value"), "is required");
        }
        if (value.isArray() && !value.isEmpty() && value.get(0).isObject()) {
          throw new Bad(YamlScan.join(at, "value"), "must be a number or a list of numbers");
        }
        JsonNode filter = r.get("filter");
        if (filter != null && !filter.isNull() && !filter.isTextual()) {
          throw new Bad(YamlScan.join(at, "filter"), "must be a string (a part of tensor names), got " + show(filter));
        }
        String f = filter == null || filter.isNull() ? null : filter.textValue();
        rules.add(new ParamValue.Rule(f, value(value, YamlScan.join(at, "value"))));
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
