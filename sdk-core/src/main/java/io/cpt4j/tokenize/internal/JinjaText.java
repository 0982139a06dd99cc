package io.cpt4j.tokenize.internal;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.TemplateError.ErrorType;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
 * <p>Immutable and thread-safe.
 */
public final class JinjaText {
  private final String source;
  private final String prepared;

  private JinjaText(String source, String prepared) {
    this.source = source;
    this.prepared = prepared;
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
