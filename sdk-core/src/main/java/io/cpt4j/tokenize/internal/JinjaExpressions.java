package io.cpt4j.tokenize.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rewrites {@link JinjaSource} applies inside {@code {{ }}} and {@code {% %}} so that Jinjava
 * reads an expression as Jinja2 does: string literals decoded with Python's escapes and written
 * back in the only escapes Jinjava reads; {@code [a:b:c]} slices with a step as a key
 * {@link JinjaEnvironment} resolves; {@code is defined} as a lookup that counts None values;
 * named arguments parenthesized (Jinjava binds {@code name=a|b - 1} as {@code (name=a|b) - 1});
 * {@code for x in xs if cond} as a call that filters the items. Stateless; thread-safe.
 */
final class JinjaExpressions {
  /** Prefix of the bracket key that stands for a slice with a step ({@code [::-1]}). */
  static final String SLICE_KEY = "__cpt4j_slice__:";
  /** The function that filters a loop's items ({@code for x in xs if cond}). */
  static final String SELECT_FUNCTION = "__cpt4j_select";

  private static final Pattern STEP_SLICE =
      Pattern.compile("\\[\\s*(-?\\d+)?\\s*:\\s*(-?\\d+)?\\s*:\\s*(-?\\d+)\\s*\\]");
  /** The functions {@code is defined} becomes (see {@link #defined}). */
  static final String DEFINED_FUNCTION = "__cpt4j_defined";
  static final String HAS_FUNCTION = "__cpt4j_has";

  private static final String STRING = "'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"";
  private static final Pattern DEFINED_TEST = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)"
      + "((?:\\s*\\.\\s*[A-Za-z_][A-Za-z0-9_]*|\\[(?:" + STRING + "|[^\\[\\]'\"])*\\])*)"
      + "\\s+is\\s+(not\\s+)?(defined|undefined)\\b");
  private static final Pattern LOOKUP = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*"
      + "(?:\\s*\\.\\s*[A-Za-z_][A-Za-z0-9_]*|\\[(?:" + STRING + "|[^\\[\\]'\"])*\\])*");
  private static final Pattern NAMED_ARGUMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\s*=(?!=)");

  private JinjaExpressions() {}

  /**
   * A tag body for Jinjava: literals re-encoded, step slices as keys, {@code is defined} as a
   * lookup that sees None values, named arguments parenthesized, for-loop filters as calls.
   */
  static String rewriteExpression(String body, String tagName) {
    StringBuilder out = new StringBuilder();
    int pos = 0;
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '\'' || c == '"') {
        int end = JinjaLiterals.stringEnd(body, i);
        if (end < 0) {
          break; // Jinjava reports the unterminated string
        }
        String value = JinjaLiterals.decode(body.substring(i + 1, end));
        out.append(slices(body.substring(pos, i))).append(JinjaLiterals.literal(value, c));
        pos = end + 1;
        i = end;
      }
    }
    out.append(slices(body.substring(pos)));
    String code = notOperands(defined(out.toString()));
    if (tagName == null || tagName.equals("set")) {
      code = conditionalsWithElse(code);
    }
    if (!"macro".equals(tagName) && !"call".equals(tagName)) {
      code = namedArguments(code);
    }
    return forFilter(code);
  }

  /**
   * {@code not a == b} as {@code not (a == b)}: in Jinja2 {@code not} takes a whole comparison
   * (tests and filters included); Jinjava's binds tighter than {@code ==} and {@code is}. The
   * operand runs to the next {@code and}, {@code or}, {@code if}, {@code else} or closing bracket
   * at its depth. {@code is not} and {@code not in} are left alone.
   */
  static String notOperands(String code) {
    boolean[] in = JinjaLiterals.inString(code);
    Matcher m = NOT.matcher(code);
    int from = 0;
    while (m.find(from)) {
      int at = m.start(1);
      from = m.end(1);
      if (in[at] || isWordBefore(code, at, "is") || code.startsWith("in", skipSpace(code, m.end(1)))
          && !Character.isJavaIdentifierPart(charAt(code, skipSpace(code, m.end(1)) + 2))) {
        continue;
      }
      int start = skipSpace(code, m.end(1));
      int end = operandEnd(code, in, start);
      if (end <= start) {
        continue;
      }
      code = code.substring(0, start) + "(" + code.substring(start, end) + ")" + code.substring(end);
      in = JinjaLiterals.inString(code);
      m = NOT.matcher(code);
      from = start + 1; // a not inside the operand gets its own parentheses
    }
    return code;
  }

  private static final Pattern NOT = Pattern.compile("(?<![A-Za-z0-9_.])(not)(?=[\\s(])");
  private static final Pattern STOP_WORD = Pattern.compile("(?:and|or|if|else)(?![A-Za-z0-9_])");

  private static int operandEnd(String code, boolean[] in, int start) {
    int depth = 0;
    for (int i = start; i < code.length(); i++) {
      char c = code.charAt(i);
      if (in[i]) {
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) {
          return trimEnd(code, start, i);
        }
        depth--;
      } else if (depth == 0 && (c == ',' || c == ':')) {
        return trimEnd(code, start, i);
      } else if (depth == 0 && i > start && !Character.isJavaIdentifierPart(code.charAt(i - 1))
          && code.charAt(i - 1) != '.' && STOP_WORD.matcher(code).region(i, code.length()).lookingAt()) {
        return trimEnd(code, start, i);
      }
    }
    return trimEnd(code, start, code.length());
  }

  private static int trimEnd(String code, int start, int end) {
    while (end > start && Character.isWhitespace(code.charAt(end - 1))) {
      end--;
    }
    return end;
  }

  private static int skipSpace(String code, int i) {
    while (i < code.length() && Character.isWhitespace(code.charAt(i))) {
      i++;
    }
    return i;
  }

  private static char charAt(String code, int i) {
    return i < code.length() ? code.charAt(i) : ' ';
  }

  /** Whether the word before position {@code at} (skipping spaces) is {@code word}. */
  private static boolean isWordBefore(String code, int at, String word) {
    int end = at;
    while (end > 0 && Character.isWhitespace(code.charAt(end - 1))) {
      end--;
    }
    int begin = end;
    while (begin > 0 && Character.isJavaIdentifierPart(code.charAt(begin - 1))) {
      begin--;
    }
    return code.substring(begin, end).equals(word);
  }

  /**
   * {@code a if c} as {@code a if c else ''}: Jinja2 gives Undefined (written as nothing) when the
   * condition fails; Jinjava gives null, which would be written as None.
   */
  static String conditionalsWithElse(String code) {
    boolean[] in = JinjaLiterals.inString(code);
    Matcher m = IF_ELSE.matcher(code);
    // For each depth, whether an "if" there still waits for its "else".
    Deque<Integer> open = new ArrayDeque<>(); // depth of each waiting if
    List<Integer> inserts = new ArrayList<>();
    int depth = 0;
    for (int i = 0; i < code.length(); i++) {
      char c = code.charAt(i);
      if (in[i]) {
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}' || c == ',') {
        while (!open.isEmpty() && open.peek() == depth) {
          open.pop();
          inserts.add(trimEnd(code, 0, i));
        }
        depth -= c == ',' ? 0 : 1;
      } else if ((i == 0 || !Character.isJavaIdentifierPart(code.charAt(i - 1)) && code.charAt(i - 1) != '.')
          && m.region(i, code.length()).lookingAt()) {
        if (m.group(1).equals("if") && i > 0) {
          open.push(depth);
        } else if (m.group(1).equals("else") && !open.isEmpty() && open.peek() == depth) {
          open.pop();
        }
      }
    }
    while (!open.isEmpty()) {
      open.pop();
      inserts.add(trimEnd(code, 0, code.length()));
    }
    StringBuilder out = new StringBuilder(code);
    inserts.sort(java.util.Comparator.reverseOrder());
    for (int at : inserts) {
      out.insert(at, " else ''");
    }
    return out.toString();
  }

  private static final Pattern IF_ELSE = Pattern.compile("(if|else)(?![A-Za-z0-9_])");

  /** {@code text} split at {@code separator} where it is outside strings and brackets. */
  static List<String> splitTopLevel(String text, char separator) {
    boolean[] in = JinjaLiterals.inString(text);
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int from = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (in[i]) {
        continue;
      }
      depth += c == '(' || c == '[' || c == '{' ? 1 : c == ')' || c == ']' || c == '}' ? -1 : 0;
      if (c == separator && depth == 0) {
        parts.add(text.substring(from, i));
        from = i + 1;
      }
    }
    parts.add(text.substring(from));
    return parts;
  }

  /**
   * {@code a.b is defined} as {@code __cpt4j_has(a, 'b')} and {@code x is defined} as
   * {@code __cpt4j_defined('x')}: Jinja2 counts a key or variable holding None as defined, Jinjava
   * does not.
   */
  private static String defined(String code) {
    Matcher m = DEFINED_TEST.matcher(code);
    boolean[] in = JinjaLiterals.inString(code);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      if (in[m.start()] || m.start() > 0 && (Character.isJavaIdentifierPart(code.charAt(m.start() - 1))
          || code.charAt(m.start() - 1) == '.')) {
        m.appendReplacement(out, Matcher.quoteReplacement(m.group()));
        continue;
      }
      String name = m.group(1);
      String path = m.group(2);
      String call;
      if (path.isEmpty()) {
        call = DEFINED_FUNCTION + "(" + JinjaLiterals.literal(name, '\'') + ")";
      } else {
        int last = lastAccessor(path);
        String accessor = path.substring(last);
        String key = accessor.startsWith(".") ? JinjaLiterals.literal(accessor.substring(1), '\'')
            : accessor.substring(1, accessor.length() - 1);
        call = HAS_FUNCTION + "(" + name + path.substring(0, last) + ", " + key + ")";
      }
      boolean negated = m.group(3) != null ^ m.group(4).equals("undefined");
      m.appendReplacement(out, Matcher.quoteReplacement((negated ? "not " : "") + call));
    }
    return m.appendTail(out).toString();
  }

  /** Whether {@code expr} is only a variable and accessors: {@code x}, {@code m.role}, {@code m['k'][0]}. */
  static boolean isLookup(String expr) {
    return LOOKUP.matcher(expr.strip()).matches();
  }

  /** The Jinjava expression for Jinja2's {@code expr is defined}, {@code expr} a lookup. */
  static String definedTest(String expr) {
    return defined(expr.strip() + " is defined");
  }

  /** Start of the last ".name" or "[...]" accessor of an accessor chain. */
  private static int lastAccessor(String path) {
    int last = 0;
    boolean[] in = JinjaLiterals.inString(path);
    int depth = 0;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (in[i]) {
        continue;
      }
      if ((c == '.' || c == '[') && depth == 0) {
        last = i;
      }
      depth += c == '[' ? 1 : c == ']' ? -1 : 0;
    }
    return last;
  }

  /**
   * {@code f(name=a|b - 1)} as {@code f(name=(a|b - 1))}: Jinjava binds a named argument tighter
   * than the operators of its value.
   */
  private static String namedArguments(String code) {
    boolean[] in = JinjaLiterals.inString(code);
    StringBuilder out = new StringBuilder();
    Deque<Character> brackets = new ArrayDeque<>();
    Deque<Boolean> openValue = new ArrayDeque<>(); // per bracket: inside a named value we opened
    boolean argStart = false;
    for (int i = 0; i < code.length(); i++) {
      char c = code.charAt(i);
      if (in[i]) {
        out.append(c);
        argStart = false;
        continue;
      }
      if (argStart && Character.isJavaIdentifierStart(c) && !brackets.isEmpty() && brackets.peek() == '(') {
        Matcher m = NAMED_ARGUMENT.matcher(code).region(i, code.length());
        if (m.lookingAt()) {
          out.append(m.group()).append('(');
          openValue.pop();
          openValue.push(true);
          i = m.end() - 1;
          argStart = false;
          continue;
        }
      }
      if (c == '(' || c == '[' || c == '{') {
        brackets.push(c);
        openValue.push(false);
        out.append(c);
        argStart = true;
        continue;
      }
      if ((c == ')' || c == ']' || c == '}' || c == ',') && !brackets.isEmpty()) {
        if (Boolean.TRUE.equals(openValue.peek())) {
          out.append(')');
          openValue.pop();
          openValue.push(false);
        }
        if (c != ',') {
          brackets.pop();
          openValue.pop();
        }
        out.append(c);
        argStart = c == ',';
        continue;
      }
      out.append(c);
      argStart = argStart && Character.isWhitespace(c);
    }
    return out.toString();
  }

  private static String slices(String code) {
    Matcher m = STEP_SLICE.matcher(code);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String key = SLICE_KEY + nullToEmpty(m.group(1)) + ":" + nullToEmpty(m.group(2)) + ":" + m.group(3);
      m.appendReplacement(out, Matcher.quoteReplacement("['" + key + "']"));
    }
    return m.appendTail(out).toString();
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  /** {@code for x in xs if cond} as {@code for x in __cpt4j_select(xs, 'x', 'cond')}. */
  private static String forFilter(String body) {
    Matcher m = Pattern.compile("\\s*for\\s+(.+?)\\s+in\\s+", Pattern.DOTALL).matcher(body);
    if (!m.lookingAt()) {
      return body;
    }
    int depth = 0;
    for (int i = m.end(); i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '\'' || c == '"') {
        i = JinjaLiterals.stringEnd(body, i);
        if (i < 0) {
          return body;
        }
      } else if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
      } else if (depth == 0 && body.startsWith("if", i) && Character.isWhitespace(body.charAt(i - 1))
          && i + 2 < body.length() && !Character.isJavaIdentifierPart(body.charAt(i + 2))) {
        String iter = body.substring(m.end(), i).strip();
        String cond = body.substring(i + 2).strip();
        return "for " + m.group(1) + " in " + SELECT_FUNCTION + "(" + iter + ", "
            + JinjaLiterals.literal(m.group(1), '\'')
            + ", " + JinjaLiterals.literal(cond, '\'') + ") ";
      }
    }
    return body;
  }
}
