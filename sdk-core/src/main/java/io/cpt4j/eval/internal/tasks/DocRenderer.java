package io.cpt4j.eval.internal.tasks;

import io.cpt4j.eval.TaskException;
import io.cpt4j.eval.TaskType;
import io.cpt4j.eval.internal.tasks.TaskSpec.DocValue;
import io.cpt4j.tokenize.internal.JinjaText;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A document as the harness's {@code ConfigurableTask} sees it: {@code doc_to_text}, {@code
 * doc_to_target} and {@code doc_to_choice} applied with the harness's rules (a field's value as it
 * is; a template's text, read as a number when it is all digits and the task has choices, or as a
 * Python list when it looks like one; choices from a template through {@code ast.literal_eval}),
 * and the few-shot example it makes ({@code ContextSampler.get_context}). Cases the harness would
 * crash on or silently mis-score (a gold out of range, a target that is not text, empty choices)
 * are {@link TaskException}s naming the data file, the line, the key and the task file. Stateless
 * apart from the spec; thread-safe.
 */
final class DocRenderer {
  private final TaskSpec spec;

  DocRenderer(TaskSpec spec) {
    this.spec = spec;
  }

  /**
   * What one evaluated document contributes: the rendered description (empty for none), its text
   * (empty for a rolling task without {@code doc_to_text}), its choices (empty without {@code
   * doc_to_choice}), its target text (null for multiple choice) and its gold choice (-1 but for
   * multiple choice).
   */
  record Rendered(String description, String text, List<String> choices, String target, int gold) {}

  Rendered render(TaskDoc doc) {
    String description = spec.description() == null ? ""
        : render(spec.description(), "description", spec.file().toString(), doc);
    String text = spec.docToText() == null ? "" : text(doc);
    List<String> choices = spec.docToChoice() == null ? List.of() : choices(doc);
    Object target = target(doc);
    if (spec.type() == TaskType.MULTIPLE_CHOICE) {
      return new Rendered(description, text, choices, null, gold(doc, target, choices));
    }
    if (spec.type() == TaskType.GENERATE_UNTIL && target instanceof Integer i) { // the harness's process_results
      return new Rendered(description, text, choices, choices.isEmpty() ? String.valueOf(i)
          : choices.get(gold(doc, i, choices)), -1);
    }
    if (!(target instanceof String s)) {
      throw fail(spec.docToTarget(), doc, "gave the number " + target + "; " + spec.type().yamlName()
          + " tasks need the target text");
    }
    return new Rendered(description, text, choices, s, -1);
  }

  /** The few-shot example {@code doc} makes: text, then target_delimiter, target and fewshot_delimiter. */
  String example(TaskDoc doc) {
    StringBuilder out = new StringBuilder(text(doc));
    Object target = target(doc);
    if (!"".equals(target)) { // the harness adds neither delimiter after an empty target
      String t = target instanceof String s ? s : spec.type() == TaskType.GENERATE_UNTIL && spec.docToChoice() == null
          ? String.valueOf(target) : choice(doc, (Integer) target);
      out.append(spec.targetDelimiter()).append(t).append(spec.fewshotDelimiter());
    }
    return out.toString();
  }

  private String choice(TaskDoc doc, int index) {
    if (spec.docToChoice() == null) {
      throw fail(spec.docToTarget(), doc, "gave the number " + index + " but the task has no doc_to_choice to "
          + "turn it into text");
    }
    List<String> choices = choices(doc);
    return choices.get(gold(doc, index, choices));
  }

  /** doc_to_text: text; a number (multiple-input tasks) is refused. */
  private String text(TaskDoc doc) {
    DocValue v = spec.docToText();
    Object value = value(v, doc);
    if (value instanceof String s && !(v instanceof DocValue.Template && isDigits(s) && spec.docToChoice() != null)) {
      return s;
    }
    throw fail(v, doc, "gave " + show(value) + "; a choice index as the prompt (multiple-input tasks such as "
        + "winogrande) is not supported yet, and other values are not text");
  }

  /** doc_to_target: a String or an Integer. */
  private Object target(TaskDoc doc) {
    DocValue v = spec.docToTarget();
    Object value = value(v, doc);
    if (v instanceof DocValue.Template && value instanceof String s) {
      if (isDigits(s) && spec.docToChoice() != null) {
        return Integer.parseInt(s);
      }
      if (s.length() >= 2 && s.startsWith("[") && s.endsWith("]")) {
        try {
          value = PyLiteral.parse(s);
        } catch (IllegalArgumentException e) {
          return s; // the harness keeps text that does not parse
        }
      }
    }
    return switch (value) {
      case String s -> s;
      case Integer i -> i;
      case Long l when l == (int) (long) l -> (int) (long) l;
      case List<?> l -> throw fail(v, doc, "gave several targets " + show(l) + "; that is not supported yet");
      default -> throw fail(v, doc, "gave " + show(value) + ", not a text or a choice index");
    };
  }

  /** doc_to_choice: a non-empty list of texts. */
  private List<String> choices(TaskDoc doc) {
    DocValue v = spec.docToChoice();
    Object value = value(v, doc);
    if (v instanceof DocValue.Template && value instanceof String s) {
      try {
        value = PyLiteral.parse(s);
      } catch (IllegalArgumentException e) {
        throw fail(v, doc, "the template gave " + show(s) + ", which is not a Python list (" + e.getMessage() + ")");
      }
    }
    if (value instanceof Map<?, ?> m) {
      value = new ArrayList<>(m.values());
    }
    if (!(value instanceof List<?> list)) {
      throw fail(v, doc, "gave " + show(value) + ", not a list of choices");
    }
    if (list.isEmpty()) {
      throw fail(v, doc, "the list of choices is empty");
    }
    List<String> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof String s)) {
        throw fail(v, doc, "choice " + i + " is " + show(list.get(i)) + ", not text");
      }
      out.add(s);
    }
    return out;
  }

  private int gold(TaskDoc doc, Object target, List<String> choices) {
    if (target instanceof Integer i) {
      if (i < 0 || i >= choices.size()) {
        throw fail(spec.docToTarget(), doc, "gold " + i + " is out of range for " + choices.size() + " choices");
      }
      return i;
    }
    int i = choices.indexOf((String) target);
    if (i < 0) {
      throw fail(spec.docToTarget(), doc, "gold " + show(target) + " is not one of the choices " + show(choices));
    }
    return i;
  }

  private Object value(DocValue v, TaskDoc doc) {
    return switch (v) {
      case DocValue.Field f -> {
        Object x = doc.fields().get(f.name());
        if (x == null) {
          throw fail(v, doc, "field '" + f.name() + "' is missing or null");
        }
        yield x;
      }
      case DocValue.Template t -> render(t.template(), v.key(), v.where(), doc);
      case DocValue.Literal l -> l.value();
    };
  }

  private static String render(JinjaText template, String key, String where, TaskDoc doc) {
    try {
      return template.render(doc.fields());
    } catch (IllegalArgumentException e) {
      throw new TaskException(doc.where() + ": " + key + " (" + where + "): template error: " + e.getMessage());
    }
  }

  private TaskException fail(DocValue v, TaskDoc doc, String message) {
    String where = v.where().equals(doc.file().toString()) ? "" : " (" + v.where() + ")";
    return new TaskException(doc.where() + ": " + v.key() + where + ": " + message);
  }

  /** Python's str.isdigit, for the characters task templates print. */
  private static boolean isDigits(String s) {
    return !s.isEmpty() && s.length() < 10 && s.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  private static String show(Object value) {
    String s = value instanceof String t ? "'" + t + "'" : String.valueOf(value);
    return s.length() > 120 ? s.substring(0, 117) + "..." : s;
  }
}
