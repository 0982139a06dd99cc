package io.cpt4j.tokenize.internal;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.TemplateSyntaxException;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;
import com.hubspot.jinjava.util.ForLoop;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * A Jinjava engine set up like transformers' chat-template environment
 * ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with the
 * {@code loopcontrols} and {@code {% generation %}} extensions, the globals {@code raise_exception}
 * and {@code strftime_now}, and json.dumps as {@code tojson}). Whitespace control is left to
 * {@link JinjaSource}, which also rewrites what Jinjava cannot parse; {@link JinjaLibrary} holds
 * the functions, filters and tests. Here: Python's text of values for {@code {{ x }}}
 * ({@code True}, {@code None}, {@code 2.0}) and a resolver for Python's str methods, string
 * indexing and stepped slices.
 *
 * <p>The engine is immutable once built; Jinjava gives every render its own interpreter and
 * context, so one engine renders from several threads at once.
 */
final class JinjaEnvironment {
  private JinjaEnvironment() {}

  /**
   * While a thread renders in strict mode ({@link JinjaText}: Jinja2's StrictUndefined), the
   * undefined variables and map keys its template looked up; null otherwise. Jinjava's own
   * {@code failOnUnknownTokens} is not used: it also fails on every expression that is None.
   */
  static final ThreadLocal<Set<String>> UNDEFINED = new ThreadLocal<>();

  static Jinjava create() {
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonResolver());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY); // an immutable sandbox, as in transformers
    LegacyOverrides python = LegacyOverrides.newBuilder()
        .withUsePyishObjectMapper(true)
        .withIterateOverMapKeys(true) // {% for k in dict %} iterates keys, as in Python
        .withEvaluateMapKeys(true) // {a: 1} uses variable a as the key
        .withUseNaturalOperatorPrecedence(true)
        .withParseWhitespaceControlStrictly(true) // {{ -1 }} is minus one, not whitespace control
        .withKeepNullableLoopValues(true)
        .withHandleBackslashInQuotesOnly(true)
        .build();
    JinjavaConfig config = JinjavaConfig.newBuilder()
        .withTrimBlocks(false) // JinjaSource applies trim_blocks and lstrip_blocks as Jinja2's lexer does
        .withLstripBlocks(false)
        .withKeepTrailingNewline(true) // Jinja2 drops the template's last newline, not the output's
        .withNestedInterpretationEnabled(false) // message text that looks like {{ x }} stays text
        .withFailOnUnknownTokens(false)
        .withEnableRecursiveMacroCalls(true)
        .withMaxMacroRecursionDepth(100)
        .withElResolver(resolver)
        .withLegacyOverrides(python)
        .build();
    Jinjava jinjava = new Jinjava(config);
    JinjaLibrary.register(jinjava.getGlobalContext());
    return jinjava;
  }

  /**
   * Renders Jinjava text (see {@link JinjaSource}) with {@code bindings}; the errors Jinjava
   * collected come back with the output, exceptions it threw as one more error.
   */
  static RenderResult render(Jinjava jinjava, String text, Map<String, Object> bindings) {
    Context globals = jinjava.getGlobalContextCopy();
    globals.setExpressionStrategy(new PythonOutput()); // not copied by Jinjava with the globals
    Set<String> undefined = UNDEFINED.get();
    if (undefined != null) { // called for a variable that is not set, or set to None
      globals.setDynamicVariableResolver(name -> {
        if (!name.equals("none") && !name.equals("None") && !PythonResolver.isVariable(name)) {
          undefined.add(name);
        }
        return null;
      });
    }
    JinjavaConfig config = jinjava.getGlobalConfig();
    Context context = new Context(globals, bindings, config.getDisabled());
    JinjavaInterpreter interpreter = config.getInterpreterFactory().newInstance(jinjava, context, config);
    try {
      return new RenderResult(interpreter.render(text), context, interpreter.getErrorsCopy());
    } catch (TemplateSyntaxException e) {
      return new RenderResult(TemplateError.fromException(e), context, interpreter.getErrorsCopy());
    } catch (InterpretException e) {
      return new RenderResult(TemplateError.fromSyntaxError(e), context, interpreter.getErrorsCopy());
    } catch (RuntimeException e) {
      return new RenderResult(TemplateError.fromException(e), context, interpreter.getErrorsCopy());
    }
  }

  /**
   * Writes {@code {{ value }}} as Python's {@code str(value)}. Jinjava gives null both for None and
   * for undefined; Jinja2 writes "None" for the one and nothing for the other, so a null lookup
   * ({@code x}, {@code m.key}, {@code m['key']}) is told apart by whether the key is there, and
   * a null from anything else (a call, a filter) is None.
   */
  private static final class PythonOutput implements ExpressionStrategy {
    private static final long serialVersionUID = 1L;

    @Override
    public RenderedOutputNode interpretOutput(ExpressionToken master, JinjavaInterpreter interpreter) {
      Object value = interpreter.resolveELExpression(master.getExpr(), master.getLineNumber());
      if (value != null) {
        return new RenderedOutputNode(PyValues.str(value));
      }
      String expr = master.getExpr().strip();
      boolean none = expr.equals("none") || expr.equals("None");
      if (!none && JinjaExpressions.isLookup(expr)) {
        String test = JinjaExpressions.definedTest(expr);
        none = Boolean.TRUE.equals(interpreter.resolveELExpression(test, master.getLineNumber()));
      } else if (!none) {
        none = true;
      }
      return new RenderedOutputNode(none ? "None" : "");
    }
  }

  /**
   * Python semantics Jinjava's resolvers lack: str methods ({@link PyStrings}), {@code text[i]} by
   * code point with negative indexes, and a clear failure for {@code loop.previtem} and
   * {@code loop.nextitem}, which Jinjava's loop does not track.
   */
  private static final class PythonResolver extends ELResolver {
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
      Set<String> undefined = UNDEFINED.get();
      if (undefined != null && base instanceof Map<?, ?> m && property instanceof String key && !m.containsKey(key)
          && !DICT_METHODS.contains(key)) {
        undefined.add(key);
      }
      if (base instanceof String s && property != null && property.toString().matches("-?\\d{1,9}")) {
        context.setPropertyResolved(true);
        int n = s.codePointCount(0, s.length());
        int i = Integer.parseInt(property.toString());
        i = i < 0 ? i + n : i;
        return i < 0 || i >= n ? null : Character.toString(s.codePointAt(s.offsetByCodePoints(0, i)));
      }
      if (property instanceof String key && key.startsWith(JinjaExpressions.SLICE_KEY)
          && (base instanceof List || PyValues.isString(base))) {
        context.setPropertyResolved(true);
        return slice(base, key.substring(JinjaExpressions.SLICE_KEY.length()).split(":", -1));
      }
      if (base instanceof ForLoop && ("previtem".equals(property) || "nextitem".equals(property))) {
        throw new ELException("loop." + property + " is not supported by this renderer (Jinjava); "
            + "use messages[loop.index0 - 1] or messages[loop.index0 + 1]");
      }
      return null;
    }

    /** Python dict attributes: {@code m.items} is defined whatever the keys. */
    private static final Set<String> DICT_METHODS = Set.of("get", "items", "keys", "values", "copy", "pop",
        "update", "setdefault", "popitem", "clear", "fromkeys");

    /** Whether {@code name} is a variable of the render (maybe holding None). */
    static boolean isVariable(String name) {
      JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
      for (Context c = interpreter == null ? null : interpreter.getContext(); c != null; c = c.getParent()) {
        if (c.getScope().containsKey(name)) {
          return true;
        }
      }
      return false;
    }

    /** Python's {@code seq[start:stop:step]} of a list or string (by code point). */
    private static Object slice(Object base, String[] bounds) {
      List<Object> items = JinjaLibrary.iterate(base);
      int n = items.size();
      int step = Integer.parseInt(bounds[2]);
      if (step == 0) {
        throw new ELException("slice step cannot be zero");
      }
      int start = bound(bounds[0], n, step > 0 ? 0 : n - 1, step);
      int stop = bound(bounds[1], n, step > 0 ? n : -1, step);
      List<Object> out = new ArrayList<>();
      for (int i = start; step > 0 ? i < stop : i > stop; i += step) {
        out.add(items.get(i));
      }
      if (!PyValues.isString(base)) {
        return out;
      }
      StringBuilder text = new StringBuilder();
      out.forEach(text::append);
      return text.toString();
    }

    /** A slice bound made concrete as Python does (negative from the end, clamped). */
    private static int bound(String text, int n, int absent, int step) {
      if (text.isEmpty()) {
        return absent;
      }
      int i = Integer.parseInt(text);
      if (i < 0) {
        i += n;
        return i < 0 ? (step > 0 ? 0 : -1) : i;
      }
      return i >= n ? (step > 0 ? n : n - 1) : i;
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes,
        Object[] params) {
      if (base instanceof String s && method != null) {
        Optional<Object> result;
        try {
          result = PyStrings.call(s, method.toString(), params);
        } catch (IllegalArgumentException | ClassCastException e) {
          throw new ELException(e.getMessage(), e);
        }
        if (result.isPresent()) {
          context.setPropertyResolved(true);
          return result.get();
        }
      }
      return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
      return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
      return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
      return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
      return base instanceof String ? Object.class : null;
    }
  }
}
