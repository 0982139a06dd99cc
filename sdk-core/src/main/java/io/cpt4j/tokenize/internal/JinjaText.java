package io.cpt4j.tokenize.internal;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.TemplateError.ErrorType;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Jinja2 template for plain text, rendered as lm-evaluation-harness's {@code
 * utils.apply_template} renders prompts: {@code ImmutableSandboxedEnvironment(undefined=
 * StrictUndefined, keep_trailing_newline=True)} with Jinja2's other defaults (no {@code
 * trim_blocks}, no {@code lstrip_blocks}). An unknown variable or key is an error, as with
 * StrictUndefined, even under {@code |default} (Jinja2 allows that); {@code x is defined} works. Values print as Python
 * prints them ({@code ['a', 'b']}, {@code True}, {@code 2.0}); Python's str and list methods
 * ({@code split}, {@code strip}, {@code index}), slices and {@code regex_replace} are there. See
 * {@link JinjaChatTemplate} for the engine's known differences from Jinja2; in addition, a {@code
 * raw} block here still applies trim_blocks and lstrip_blocks.
 *
 * <p>A template of text and plain lookups ({@code Question: {{question}}}, {@code {{choices.text}}},
 * {@code {{endings[0]}}}) is rendered directly, with the same value text; anything else, and any
 * lookup that does not simply succeed, goes through Jinjava.
 *
 * <p>Immutable and thread-safe.
 */
public final class JinjaText {
  /** {@code {{ name }}}, {@code {{ a.b }}}, {@code {{ a[0] }}}: lookups rendered without Jinjava. */
  private static final Pattern LOOKUP = Pattern.compile(
      "\\{\\{\\s*([A-Za-z_]\\w*)((?:\\.[A-Za-z_]\\w*|\\[-?\\d{1,9}])*)\\s*}}");
  private static final Pattern STEP = Pattern.compile("\\.([A-Za-z_]\\w*)|\\[(-?\\d{1,9})]");

  private final String source;
  private final String prepared;
  private final boolean lookupsOnly;

  private JinjaText(String source, String prepared) {
    this.source = source;
    this.prepared = prepared;
    String rest = LOOKUP.matcher(source).replaceAll("");
    this.lookupsOnly = !isTemplate(rest) && !source.contains("\r");
  }

  /**
   * The template {@code source}.
   *
   * @throws IllegalArgumentException when it is not valid Jinja (the message says why)
   */
  public static JinjaText of(String source) {
    Objects.requireNonNull(source, "source");
    // Jinja2 drops one trailing newline unless keep_trailing_newline; the lexer drops it, so add one.
    return new JinjaText(source, JinjaSource.prepare(source + "\n", false));
  }

  /** Whether {@code text} holds Jinja syntax ({@code {{}, {@code {%} or {@code {#}). */
  public static boolean isTemplate(String text) {
    return text.contains("{{") || text.contains("{%") || text.contains("{#");
  }

  /** The template text, as given. */
  public String source() {
    return source;
  }

  /**
   * Renders with {@code variables} (values: strings, numbers, booleans, null, lists and maps).
   *
   * @throws IllegalArgumentException when rendering fails: an undefined variable or key, a
   *     failing call; the message says which and where
   */
  public String render(Map<String, Object> variables) {
    if (lookupsOnly) {
      String fast = lookups(variables);
      if (fast != null) {
        return fast;
      }
    }
    return renderWithJinjava(variables);
  }

  /** {@link #render} through Jinjava whatever the template (package-private: tests compare the two). */
  String renderWithJinjava(Map<String, Object> variables) {
    Set<String> undefined = new LinkedHashSet<>();
    RenderResult result;
    JinjaEnvironment.UNDEFINED.set(undefined);
    try {
      result = JinjaEnvironment.render(Engine.JINJAVA, prepared, variables);
    } finally {
      JinjaEnvironment.UNDEFINED.remove();
    }
    if (!undefined.isEmpty()) {
      throw new IllegalArgumentException("'" + String.join("', '", undefined) + "' is undefined");
    }
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == ErrorType.FATAL) {
        String line = error.getLineno() > 0 ? " (template line " + error.getLineno() + ")" : "";
        throw new IllegalArgumentException(message(error) + line);
      }
    }
    return result.getOutput();
  }

  /**
   * The template when it is text and plain lookups, each found (a key holding None prints "None",
   * as Jinja2 prints it); null when anything else happens (an undefined name, an attribute of a
   * value that is not a map, an index out of range), which Jinjava then renders or reports.
   */
  private String lookups(Map<String, Object> variables) {
    StringBuilder out = new StringBuilder();
    Matcher m = LOOKUP.matcher(source);
    int at = 0;
    while (m.find()) {
      out.append(source, at, m.start());
      at = m.end();
      if (!variables.containsKey(m.group(1)) || LITERALS.contains(m.group(1))) {
        return null;
      }
      Object value = variables.get(m.group(1));
      Matcher step = STEP.matcher(m.group(2));
      while (step.find()) {
        if (step.group(1) != null && value instanceof Map<?, ?> map && map.containsKey(step.group(1))
            && !DICT_ATTRIBUTES.contains(step.group(1))) {
          value = map.get(step.group(1));
        } else if (step.group(2) != null && value instanceof List<?> list) {
          int i = Integer.parseInt(step.group(2));
          i = i < 0 ? i + list.size() : i;
          if (i < 0 || i >= list.size()) {
            return null;
          }
          value = list.get(i);
        } else {
          return null;
        }
      }
      out.append(PyValues.str(value));
    }
    return out.append(source, at, source.length()).toString();
  }

  /** Names Jinja2 reads as constants or operators, never as variables. */
  private static final Set<String> LITERALS = Set.of("true", "false", "none", "True", "False", "None", "and", "or",
      "not", "in", "is", "if", "else");

  /** Python dict attributes, which Jinja2 finds before a key of the same name. */
  private static final Set<String> DICT_ATTRIBUTES = Set.of("get", "items", "keys", "values", "copy", "pop",
      "update", "setdefault", "popitem", "clear", "fromkeys");

  private static String message(TemplateError error) {
    String m = error.getMessage() == null ? "rendering failed" : error.getMessage();
    if (error.getFieldName() != null && m.startsWith("Error invoking function")) {
      return m + " " + error.getFieldName();
    }
    return m;
  }

  @Override
  public String toString() {
    return "JinjaText[" + source + "]";
  }

  /** Built on first use: one engine serves every template and thread. */
  private static final class Engine {
    static final Jinjava JINJAVA = JinjaEnvironment.create();
  }
}
