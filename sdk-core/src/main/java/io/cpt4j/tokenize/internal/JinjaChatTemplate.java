package io.cpt4j.tokenize.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.TemplateError.ErrorType;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.tokenize.ChatMessage;
import io.cpt4j.tokenize.ChatTemplateException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Hugging Face chat template, rendered as transformers' {@code apply_chat_template(...,
 * tokenize=False)} renders it: the same template text (see {@link #load(Path, String)}), the same
 * variables ({@code messages}, {@code add_generation_prompt}, {@code tools}, {@code documents}, the
 * tokenizer's special tokens such as {@code bos_token} and {@code eos_token}, and the caller's
 * extra context) and a Jinja engine set up like transformers' ({@code trim_blocks},
 * {@code lstrip_blocks}, {@code raise_exception}, {@code strftime_now}, json.dumps
 * {@code tojson}); see {@link JinjaEnvironment} for what is added to Jinjava to behave as Jinja2.
 *
 * <p>How Jinja2 is matched: {@link JinjaSource} applies Jinja2's lexer rules (whitespace
 * control, trim_blocks, lstrip_blocks, raw, comments) and {@link JinjaExpressions} rewrites tag
 * text Jinjava parses differently; {@link JinjaEnvironment}, {@link JinjaLibrary} and
 * {@link JinjaTags} add Python's str methods, values' text ({@code True}, {@code None}),
 * {@code namespace()}, tests, filters and tags. Known differences, all rare in chat templates:
 * {@code loop.previtem}, {@code loop.nextitem}, {@code recursive} loops, string repetition
 * ({@code '-' * 3}), chained comparisons ({@code a < b < c}) and format specs in
 * {@code str.format} fail with a {@link ChatTemplateException} instead of rendering; {@code ~}
 * writes True and None as {@code true} and nothing; an attribute of an undefined variable is empty
 * where Jinja2 raises; {@code |string} of an undefined variable is {@code None}; slices without a
 * step ({@code s[1:3]}) count UTF-16 units, which differs from Python only around characters
 * outside the Basic Multilingual Plane.
 *
 * <p>Immutable and thread-safe: render may be called from several threads at once.
 */
public final class JinjaChatTemplate {
  /** The name transformers uses for a model's main template. */
  public static final String DEFAULT_NAME = "default";

  private final String source;
  private final String origin;
  private final Map<String, String> specialTokens;
  private final Clock clock;
  private volatile String prepared;

  JinjaChatTemplate(String source, String origin, Map<String, String> specialTokens, Clock clock) {
    this.source = Objects.requireNonNull(source, "source");
    this.origin = Objects.requireNonNull(origin, "origin");
    this.specialTokens = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A template from text (tests; callers that hold the template): {@code origin} names it in errors. */
  static JinjaChatTemplate of(String source, String origin, Map<String, String> specialTokens) {
    return new JinjaChatTemplate(source, origin, specialTokens, Clock.systemDefaultZone());
  }

  /** The same template with {@code strftime_now} reading {@code clock}. */
  JinjaChatTemplate withClock(Clock clock) {
    return new JinjaChatTemplate(source, origin, specialTokens, clock);
  }

  /** The model's default chat template; see {@link #load(Path, String)}. */
  public static Optional<JinjaChatTemplate> load(Path modelDir) {
    return load(modelDir, DEFAULT_NAME);
  }

  /**
   * The chat template called {@code name} in a model directory, found as transformers finds it:
   * {@code chat_template.jinja} (named "default") and {@code chat_templates/<name>.jinja} when
   * there are such files; otherwise {@code tokenizer_config.json}'s {@code chat_template}, a string
   * (named "default") or a list of {@code {"name": ..., "template": ...}}. Special tokens come from
   * {@code tokenizer_config.json} and, as transformers does, {@code special_tokens_map.json}.
   * (transformers itself switches to a template named "tool_use", when there is one, for calls
   * that pass tools; load it by name for that.)
   *
   * @return empty when the directory has no template of that name
   * @throws CheckpointException when a file is malformed, or when "default" is asked for and the
   *     model has several named templates but none called "default"
   */
  public static Optional<JinjaChatTemplate> load(Path modelDir, String name) {
    Objects.requireNonNull(modelDir, "modelDir");
    Objects.requireNonNull(name, "name");
    Path configFile = modelDir.resolve(ChatTemplateFiles.CONFIG);
    JsonNode config = ChatTemplateFiles.readJsonObject(configFile);
    Map<String, String[]> templates = ChatTemplateFiles.templates(modelDir, config); // name -> {text, origin}
    String[] chosen = templates.get(name);
    if (chosen == null) {
      if (name.equals(DEFAULT_NAME) && !templates.isEmpty()) {
        throw new CheckpointException(configFile, "the model has several chat templates " + templates.keySet()
            + " and none named \"default\"; load one of them by name");
      }
      return Optional.empty();
    }
    return Optional.of(new JinjaChatTemplate(chosen[0], chosen[1], ChatTemplateFiles.specialTokens(modelDir, config),
        Clock.systemDefaultZone()));
  }

  /** The template text, as read. */
  public String source() {
    return source;
  }

  /** Where the template came from: a file, or a file and its key. */
  public String origin() {
    return origin;
  }

  /** The beginning-of-sequence token text, when the tokenizer sets one. */
  public Optional<String> bosToken() {
    return Optional.ofNullable(specialTokens.get("bos_token"));
  }

  /** The end-of-sequence token text, when the tokenizer sets one. */
  public Optional<String> eosToken() {
    return Optional.ofNullable(specialTokens.get("eos_token"));
  }

  /** Every special token the template sees ({@code bos_token}, ..., model-specific *_token). */
  public Map<String, String> specialTokens() {
    return specialTokens;
  }

  /** Renders plain role/content messages; see {@link #render(List, boolean, Map)}. */
  @SuppressWarnings("unchecked")
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return render((List<Map<String, Object>>) plain(messages), addGenerationPrompt, Map.of());
  }

  /**
   * Renders a conversation to text, as {@code apply_chat_template(messages, tokenize=False,
   * add_generation_prompt=..., **extraContext)} does. Messages are maps so that any field a
   * template reads ({@code tool_calls}, content parts, {@code reasoning_content}) passes through;
   * values are strings, numbers, booleans, null, lists and maps. {@code extraContext} may hold
   * {@code tools} and {@code documents} and any other variable; it overrides special tokens.
   *
   * @throws ChatTemplateException when the template fails or rejects the conversation
   */
  public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt,
      Map<String, Object> extraContext) {
    Objects.requireNonNull(messages, "messages");
    Objects.requireNonNull(extraContext, "extraContext (use Map.of() for none)");
    Map<String, Object> context = new LinkedHashMap<>(specialTokens);
    context.put("tools", null);
    context.put("documents", null);
    for (Map.Entry<String, Object> e : extraContext.entrySet()) {
      context.put(e.getKey(), plain(e.getValue()));
    }
    context.put("messages", plain(messages));
    context.put("add_generation_prompt", addGenerationPrompt);
    context.put(JinjaLibrary.CLOCK_KEY, clock);
    RenderResult result;
    try {
      result = JinjaEnvironment.render(Engine.JINJAVA, jinjavaText(), context);
    } catch (RuntimeException e) { // Jinjava reports failures as errors; anything else is one too
      throw new ChatTemplateException("chat template " + origin + " failed: " + e.getMessage(), e);
    }
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == ErrorType.FATAL) {
        throw failure(error);
      }
    }
    return result.getOutput();
  }

  @Override
  public String toString() {
    return "JinjaChatTemplate[" + origin + "]";
  }

  /** Built on first use: one engine serves every template and thread. */
  private static final class Engine {
    static final Jinjava JINJAVA = JinjaEnvironment.create();
  }

  /** The source as Jinjava text, made once; a lexing error becomes a render error. */
  private String jinjavaText() {
    String text = prepared;
    if (text == null) {
      try {
        text = JinjaSource.prepare(source);
      } catch (IllegalArgumentException e) {
        throw new ChatTemplateException("chat template " + origin + " is not valid Jinja: " + e.getMessage(), e);
      }
      prepared = text; // a benign race: every thread computes the same text
    }
    return text;
  }

  private ChatTemplateException failure(TemplateError error) {
    String line = error.getLineno() > 0 ? " at line " + error.getLineno() : "";
    for (Throwable t = error.getException(); t != null; t = t.getCause()) {
      if (t instanceof JinjaLibrary.RaisedByTemplate raised) {
        return new ChatTemplateException("chat template " + origin + " rejected the conversation" + line
            + ": " + raised.getMessage());
      }
    }
    return new ChatTemplateException("chat template " + origin + " failed" + line + ": " + error.getMessage());
  }

  /** A copy made of LinkedHashMap, ArrayList, String, Long, Double, Boolean and null. */
  private static Object plain(Object value) {
    return switch (value) {
      case null -> null;
      case Map<?, ?> m -> {
        Map<String, Object> copy = new LinkedHashMap<>();
        m.forEach((k, v) -> copy.put(String.valueOf(k), plain(v)));
        yield copy;
      }
      case ChatMessage m -> {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("role", m.role());
        map.put("content", m.content());
        yield map;
      }
      case Iterable<?> it -> {
        List<Object> copy = new ArrayList<>();
        it.forEach(v -> copy.add(plain(v)));
        yield copy;
      }
      case Object[] a -> plain(Arrays.asList(a));
      case Integer i -> i.longValue();
      case Short s -> s.longValue();
      case Byte b -> b.longValue();
      case BigInteger b -> b.bitLength() < 64 ? (Object) b.longValue() : b.doubleValue();
      case Float f -> f.doubleValue();
      case BigDecimal b -> b.doubleValue();
      case CharSequence s -> s.toString();
      default -> value;
    };
  }
}
