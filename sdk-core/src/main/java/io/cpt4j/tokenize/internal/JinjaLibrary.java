package io.cpt4j.tokenize.internal;

import com.hubspot.jinjava.el.ext.NamedParameter;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.filter.LengthFilter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.Namespace;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import jinjava.javax.el.ELException;

/**
 * What chat templates call that Jinjava lacks or has with other semantics: transformers' globals
 * ({@code raise_exception}, {@code strftime_now}) and {@code tojson}; Python's {@code namespace()}
 * (None values and key order kept) and {@code dict()}; the {@code |trim}, {@code |length},
 * {@code |join}, {@code |string}, {@code |items}, {@code |max}, {@code |min}, {@code |batch} and
 * case filters with Python's semantics; the tests {@code string}, {@code mapping},
 * {@code sequence}, {@code iterable}, {@code number} and {@code none} as Jinja2 defines them; the
 * helpers {@link JinjaExpressions} rewrites {@code for ... if} and {@code is defined} into; the
 * tags of {@link JinjaTags}. Stateless; thread-safe.
 */
final class JinjaLibrary {
  /** Context key of the render's {@link Clock}; not an identifier, so templates cannot reach it. */
  static final String CLOCK_KEY = "cpt4j.clock";

  private JinjaLibrary() {}

  /** Thrown by the template's {@code raise_exception(message)}. */
  static final class RaisedByTemplate extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RaisedByTemplate(String message) {
      super(message, null, false, false);
    }
  }

  /** Registers everything on Jinjava's global context. */
  static void register(Context globals) {
    globals.registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaLibrary.class,
        "raiseException", Object.class));
    globals.registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaLibrary.class,
        "strftimeNow", Object.class));
    // Jinja2 globals are variables too: templates test "strftime_now is defined".
    globals.put("raise_exception", "<function raise_exception>");
    globals.put("strftime_now", "<function strftime_now>");
    globals.registerFunction(new ELFunctionDefinition("", JinjaExpressions.SELECT_FUNCTION, JinjaLibrary.class,
        "select", Object.class, String.class, String.class));
    globals.registerFunction(new ELFunctionDefinition("", JinjaExpressions.DEFINED_FUNCTION, JinjaLibrary.class,
        "defined", String.class));
    globals.registerFunction(new ELFunctionDefinition("", JinjaExpressions.HAS_FUNCTION, JinjaLibrary.class,
        "has", Object.class, Object.class));
    globals.registerFunction(new ELFunctionDefinition("", "namespace", JinjaLibrary.class, "namespace",
        Object[].class));
    globals.registerFunction(new ELFunctionDefinition("", "dict", JinjaLibrary.class, "dict", Object[].class));
    globals.registerFilter(new TojsonFilter());
    for (String name : List.of("upper", "lower", "title", "capitalize")) {
      globals.registerFilter(named(name, (var, args) ->
          PyStrings.call(PyValues.str(var), name, null).orElseThrow()));
    }
    globals.registerFilter(named("string", (var, args) -> PyValues.str(var)));
    globals.registerFilter(new JoinFilter());
    globals.registerFilter(named("items", (var, args) -> var instanceof Map<?, ?> m
        ? new ArrayList<Object>(m.entrySet()) : List.of()));
    globals.registerFilter(named("max", (var, args) -> extreme(var, true)));
    globals.registerFilter(named("min", (var, args) -> extreme(var, false)));
    globals.registerFilter(named("trim", (var, args) -> PyStrings.strip(PyValues.str(var),
        args.length > 0 && args[0] != null ? PyValues.str(args[0]) : null, true, true)));
    LengthFilter length = new LengthFilter();
    for (String name : List.of("length", "count")) {
      globals.registerFilter(named(name, (var, args) -> PyValues.isString(var)
          ? var.toString().codePointCount(0, var.toString().length())
          : length.filter(var, JinjavaInterpreter.getCurrent())));
    }
    globals.registerExpTest(test("string", (v, a) -> PyValues.isString(v)));
    globals.registerExpTest(test("mapping", (v, a) -> v instanceof Map));
    globals.registerExpTest(test("sequence", (v, a) -> PyValues.isString(v) || v instanceof Collection
        || v instanceof Map || v != null && v.getClass().isArray()));
    globals.registerExpTest(test("iterable", (v, a) -> PyValues.isString(v) || v instanceof Iterable
        || v instanceof Map || v instanceof Iterator || v != null && v.getClass().isArray()));
    globals.registerExpTest(test("number", (v, a) -> v instanceof Number || v instanceof Boolean));
    globals.registerExpTest(test("none", (v, a) -> v == null));
    JinjaTags.register(globals);
    globals.registerFilter(named("batch", (var, args) -> batch(var, ((Number) args[0]).intValue(),
        args.length > 1 ? args[1] : null, args.length > 1)));
  }

  /**
   * {@code for target in items if cond} (rewritten by {@link JinjaSource}): the items for which
   * {@code cond} holds with the loop variables bound.
   */
  public static List<Object> select(Object items, String target, String cond) {
    JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
    List<String> names = List.of(target.split("\\s*,\\s*"));
    List<Object> kept = new ArrayList<>();
    for (Object item : iterate(items)) {
      JinjavaInterpreter.InterpreterScopeClosable scope = interpreter.enterScope();
      try {
        if (names.size() == 1) {
          interpreter.getContext().put(names.getFirst().strip(), item);
        } else {
          List<?> parts = item instanceof Map.Entry<?, ?> e ? Arrays.asList(e.getKey(), e.getValue()) : iterate(item);
          for (int i = 0; i < names.size() && i < parts.size(); i++) {
            interpreter.getContext().put(names.get(i).strip(), parts.get(i));
          }
        }
        if (PyValues.truthy(interpreter.resolveELExpression(cond, interpreter.getLineNumber()))) {
          kept.add(item);
        }
      } finally {
        scope.close();
      }
    }
    return kept;
  }

  /**
   * {@code namespace(dict, key=value, ...)}: Jinjava's own drops None values and forgets the order
   * of the keys; Python's keeps both.
   */
  public static Namespace namespace(Object... parameters) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Object p : parameters) {
      if (p instanceof Map<?, ?> m) {
        m.forEach((k, v) -> values.put(PyValues.str(k), v));
      } else if (p instanceof NamedParameter named) {
        values.put(named.getName(), named.getValue());
      }
    }
    return new Namespace(values);
  }

  /** {@code dict(a=1, b=2)}: a map of the keyword arguments, in order. */
  public static Map<String, Object> dict(Object... parameters) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Object p : parameters) {
      if (p instanceof NamedParameter named) {
        values.put(named.getName(), named.getValue());
      } else if (p instanceof Map<?, ?> m) {
        m.forEach((k, v) -> values.put(PyValues.str(k), v));
      }
    }
    return values;
  }

  /** {@code name is defined}: a variable of the render, even one holding None. */
  public static boolean defined(String name) {
    JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
    for (Context c = interpreter.getContext(); c != null; c = c.getParent()) {
      if (c.getScope().containsKey(name) || c.getGlobalMacro(name) != null) {
        return true;
      }
    }
    if (JinjaEnvironment.UNDEFINED.get() != null) { // strict: not in a scope is undefined, and not an error here
      return false;
    }
    return interpreter.resolveELExpression(name, interpreter.getLineNumber()) != null;
  }

  /** {@code base.key is defined}: a key of a map (even holding None), an index, an attribute. */
  public static boolean has(Object base, Object key) {
    return switch (base) {
      case null -> false;
      case Map<?, ?> m -> m.containsKey(PyValues.str(key));
      case List<?> l when key instanceof Number n -> n.intValue() < l.size() && n.intValue() >= -l.size();
      default -> JinjavaInterpreter.getCurrent().resolveProperty(base, PyValues.str(key)) != null;
    };
  }

  /** What a for loop iterates: a list's items, a map's keys, a string's characters. */
  static List<Object> iterate(Object items) {
    List<Object> out = new ArrayList<>();
    switch (items) {
      case null -> { }
      case Map<?, ?> m -> out.addAll(m.keySet());
      case Iterable<?> it -> it.forEach(out::add);
      case Object[] a -> out.addAll(List.of(a));
      default -> {
        if (PyValues.isString(items)) {
          items.toString().codePoints().forEach(cp -> out.add(Character.toString(cp)));
        } else {
          out.add(items);
        }
      }
    }
    return out;
  }

  /** {@code |max} and {@code |min}: the largest or smallest item, numbers by value, else as text. */
  private static Object extreme(Object items, boolean max) {
    Object best = null;
    for (Object o : iterate(items)) {
      if (best == null || compare(o, best) * (max ? 1 : -1) > 0) {
        best = o;
      }
    }
    return best;
  }

  private static int compare(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return Double.compare(x.doubleValue(), y.doubleValue());
    }
    return PyValues.str(a).compareTo(PyValues.str(b));
  }

  /** {@code raise_exception(message)}: stops the render with the template's message. */
  public static Object raiseException(Object message) {
    throw new RaisedByTemplate(PyValues.str(message));
  }

  /** {@code strftime_now(format)}: the render's clock, formatted like Python's strftime. */
  public static String strftimeNow(Object format) {
    JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
    Object clock = interpreter == null ? null : interpreter.getContext().get(CLOCK_KEY);
    return Strftime.format(PyValues.str(format),
        ZonedDateTime.now(clock instanceof Clock c ? c : Clock.systemDefaultZone()));
  }

  /** transformers' tojson: json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...). */
  private static final class TojsonFilter implements Filter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return filter(var, interpreter, args, Map.of());
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 1 ? args[1] : null;
      String indentText = indent == null ? null
          : indent instanceof Number n ? " ".repeat(Math.max(0, n.intValue())) : PyValues.str(indent);
      Object separators = kwargs.get("separators");
      String items = null;
      String keys = null;
      if (separators instanceof List<?> pair && pair.size() == 2) {
        items = PyValues.str(pair.get(0));
        keys = PyValues.str(pair.get(1));
      }
      try {
        return PyValues.jsonDumps(var, indentText, items, keys, PyValues.truthy(kwargs.get("sort_keys")));
      } catch (IllegalArgumentException e) {
        throw new ELException("tojson: " + e.getMessage(), e);
      }
    }
  }

  /** {@code |join(d='', attribute=None)} writing items as Python's str() does ({@code True}, {@code None}). */
  private static final class JoinFilter implements Filter {
    @Override
    public String getName() {
      return "join";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return filter(var, interpreter, args, Map.of());
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object sep = kwargs.containsKey("d") ? kwargs.get("d") : args.length > 0 ? args[0] : "";
      Object attribute = kwargs.containsKey("attribute") ? kwargs.get("attribute") : args.length > 1 ? args[1] : null;
      List<String> texts = new ArrayList<>();
      for (Object item : iterate(var)) {
        Object v = attribute == null ? item : item instanceof Map<?, ?> m ? m.get(PyValues.str(attribute)) : null;
        texts.add(PyValues.str(v));
      }
      return String.join(PyValues.str(sep), texts);
    }
  }

  /** Jinja2's {@code |batch(n, fill_with=None)}: the last batch is padded only when fill_with is given. */
  private static List<Object> batch(Object items, int size, Object fill, boolean padded) {
    if (size < 1) {
      throw new ELException("batch: size must be positive, got " + size);
    }
    List<Object> all = iterate(items);
    List<Object> batches = new ArrayList<>();
    for (int i = 0; i < all.size(); i += size) {
      List<Object> b = new ArrayList<>(all.subList(i, Math.min(all.size(), i + size)));
      while (padded && b.size() < size) {
        b.add(fill);
      }
      batches.add(b);
    }
    return batches;
  }

  private interface SimpleFilter {
    Object apply(Object var, Object[] args);
  }

  private static Filter named(String name, SimpleFilter body) {
    return new Filter() {
      @Override
      public String getName() {
        return name;
      }

      @Override
      public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return body.apply(var, args);
      }

      @Override
      public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        return body.apply(var, args);
      }
    };
  }

  private static ExpTest test(String name, BiPredicate<Object, Object[]> body) {
    return new ExpTest() {
      @Override
      public String getName() {
        return name;
      }

      @Override
      public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
        return body.test(var, args);
      }
    };
  }
}

