package io.cpt4j.tokenize.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites Jinja2 template text into text Jinjava renders the same way. Jinja2's lexer rules that
 * Jinjava gets wrong are applied here, as Jinja2's lexer applies them
 * (jinja2/lexer.py, {@code tokeniter}): newlines normalized and the last one dropped
 * ({@code keep_trailing_newline=False}); {@code trim_blocks} (one newline after {@code %}} and
 * {@code #}} removed); {@code lstrip_blocks} (spaces before a block or comment tag removed only
 * when nothing else precedes it on its line; Jinjava strips them anywhere); {@code -} and {@code +}
 * whitespace control; comments and {@code raw} blocks; {@code for ... else} as a for and an if.
 * Tag bodies are rewritten by {@link JinjaExpressions}. Whitespace
 * that is removed but holds newlines is written as an empty comment, so Jinjava's line numbers
 * stay those of the original text.
 *
 * <p>Stateless; thread-safe.
 */
final class JinjaSource {
  private static final Pattern TAG_NAME = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)");
  private static final Pattern END_RAW =
      Pattern.compile("\\{%([-+]?)\\s*endraw\\s*(\\+%}|-%}\\s*|%}\\n?)", Pattern.DOTALL);
  private static final List<String> BLOCKS = List.of("for", "if", "macro", "call", "filter", "block", "with",
      "autoescape", "generation", "set");

  private JinjaSource() {}

  /** One lexed piece: text, or a tag whose body is already rewritten for Jinjava. */
  private record Piece(char kind, String name, String body) {} // kind: 't' text, 'v' {{ }}, 'b' {% %}

  /** The Jinjava text for Jinja2 template {@code template}, with trim_blocks and lstrip_blocks. */
  static String prepare(String template) {
    return prepare(template, true);
  }

  /**
   * The Jinjava text for Jinja2 template {@code template}; {@code blockRules} false renders as
   * Jinja2's defaults ({@code trim_blocks=False, lstrip_blocks=False}) outside {@code raw} blocks.
   */
  static String prepare(String template, boolean blockRules) {
    return emit(lex(template, blockRules));
  }

  private static List<Piece> lex(String template, boolean blockRules) {
    String s = template.replace("\r\n", "\n").replace('\r', '\n');
    if (s.endsWith("\n")) {
      s = s.substring(0, s.length() - 1);
    }
    List<Piece> pieces = new ArrayList<>();
    int pos = 0;
    boolean lineStarting = true;
    boolean stripNext = false; // the previous tag ended with -%}: strip the leading whitespace
    while (pos < s.length()) {
      int start = nextTag(s, pos);
      String text = s.substring(pos, start < 0 ? s.length() : start);
      if (stripNext) { // after -%} or -}}: Jinja2's "\\s*" took the whitespace, maybe a line start
        String kept = PyStrings.strip(text, null, true, false);
        String gone = text.substring(0, text.length() - kept.length());
        removed(pieces, gone);
        lineStarting = gone.isEmpty() ? lineStarting : gone.endsWith("\n");
        text = kept;
      }
      if (start < 0) {
        pieces.add(new Piece('t', null, text));
        break;
      }
      char kind = s.charAt(start + 1);
      char sign = start + 2 < s.length() && (s.charAt(start + 2) == '-' || s.charAt(start + 2) == '+')
          ? s.charAt(start + 2) : 0;
      String removedBefore = "";
      if (sign == '-') {
        String kept = PyStrings.strip(text, null, false, true);
        removedBefore = text.substring(kept.length());
        text = kept;
      } else if (blockRules && sign != '+' && kind != '{') { // lstrip_blocks
        int lineStart = text.lastIndexOf('\n') + 1;
        String tail = text.substring(lineStart);
        if ((lineStart > 0 || lineStarting) && !tail.isEmpty() && tail.codePoints().allMatch(PyStrings::isSpace)) {
          removedBefore = tail;
          text = text.substring(0, lineStart);
        }
      }
      pieces.add(new Piece('t', null, text));
      removed(pieces, removedBefore);
      int bodyStart = start + 2 + (sign != 0 ? 1 : 0);
      if (kind == '#') {
        int close = s.indexOf("#}", bodyStart);
        if (close < 0) {
          throw new IllegalArgumentException("Missing end of comment tag");
        }
        char endSign = close > bodyStart && "+-".indexOf(s.charAt(close - 1)) >= 0 ? s.charAt(close - 1) : 0;
        removed(pieces, s.substring(start, close)); // keeps the comment's own newlines counted
        pos = close + 2;
        lineStarting = endSign == 0 && pos < s.length() && s.charAt(pos) == '\n';
        if (lineStarting && blockRules) { // trim_blocks
          removed(pieces, "\n");
          pos++;
        }
        stripNext = endSign == '-';
        continue;
      }
      String closer = kind == '{' ? "}}" : "%}";
      int close = tagEnd(s, bodyStart, closer);
      if (close < 0) {
        throw new IllegalArgumentException("unexpected end of template, expected '" + closer + "'");
      }
      char endSign = close > bodyStart && (s.charAt(close - 1) == '-' || kind == '%' && s.charAt(close - 1) == '+')
          ? s.charAt(close - 1) : 0;
      String body = s.substring(bodyStart, endSign != 0 ? close - 1 : close);
      Matcher name = TAG_NAME.matcher(body);
      String tagName = kind == '%' && name.lookingAt() ? name.group(1) : null;
      pos = close + 2;
      stripNext = endSign == '-';
      lineStarting = false;
      if ("raw".equals(tagName)) { // Jinja2 applies no trim_blocks to {% raw %}
        pos = raw(s, pos, pieces);
        stripNext = false;
        continue;
      }
      pieces.add(new Piece(kind == '{' ? 'v' : 'b', tagName, JinjaExpressions.rewriteExpression(body, tagName)));
      if (blockRules && kind == '%' && endSign == 0 && pos < s.length() && s.charAt(pos) == '\n') { // trim_blocks
        pos++;
        removed(pieces, "\n");
        lineStarting = true;
      }
    }
    return pieces;
  }

  /**
   * A raw block: its text up to the endraw tag, as one literal (lstrip_blocks and "-" apply to the
   * endraw tag, and "-%}" of the raw tag to the text's start). Returns the position after endraw.
   */
  private static int raw(String s, int pos, List<Piece> pieces) {
    Matcher end = END_RAW.matcher(s);
    if (!end.find(pos)) {
      throw new IllegalArgumentException("Missing end of raw directive");
    }
    String text = s.substring(pos, end.start());
    boolean stripStart = s.charAt(pos - 3) == '-';
    String kept = stripStart ? PyStrings.strip(text, null, true, false) : text;
    String gone = text.substring(0, text.length() - kept.length());
    boolean lineStarting = gone.endsWith("\n");
    removed(pieces, gone);
    text = kept;
    String rest = text;
    if (end.group(1).equals("-")) {
      text = PyStrings.strip(text, null, false, true);
    } else if (end.group(1).isEmpty()) {
      int lineStart = text.lastIndexOf('\n') + 1;
      String tail = text.substring(lineStart);
      if ((lineStart > 0 || lineStarting) && !tail.isEmpty() && tail.codePoints().allMatch(PyStrings::isSpace)) {
        text = text.substring(0, lineStart);
      }
    }
    pieces.add(new Piece('v', null, JinjaLiterals.literal(text, '\'')));
    removed(pieces, rest.substring(text.length()) + s.substring(end.start(), end.end()));
    return end.end();
  }

  /** Records removed text: only its newlines are kept, in a comment, for line numbers. */
  private static void removed(List<Piece> pieces, String text) {
    long newlines = text.chars().filter(c -> c == '\n').count();
    if (newlines > 0) {
      pieces.add(new Piece('t', null, "{#" + "\n".repeat((int) newlines) + "#}"));
    }
  }

  /** Index of the next {{, {% or {# at or after pos, or -1. */
  private static int nextTag(String s, int pos) {
    for (int i = s.indexOf('{', pos); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
      char c = s.charAt(i + 1);
      if (c == '{' || c == '%' || c == '#') {
        return i;
      }
    }
    return -1;
  }

  /** Index of the closing "}}" or "%}" of a tag body starting at pos: outside strings, brackets balanced. */
  private static int tagEnd(String s, int pos, String closer) {
    int depth = 0;
    for (int i = pos; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'' || c == '"') {
        i = JinjaLiterals.stringEnd(s, i);
        if (i < 0) {
          return -1;
        }
      } else if (depth == 0 && s.startsWith(closer, i)) {
        return i;
      } else if (c == '{' || c == '(' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ')' || c == ']') && depth > 0) {
        depth--;
      }
    }
    return -1;
  }

  /** Writes the pieces as Jinjava text; {@code for ... else} becomes a for and an if on its items. */
  private static String emit(List<Piece> pieces) {
    // Find each "else" that belongs to a for (not to an if inside it).
    Deque<Integer> open = new ArrayDeque<>();
    boolean[] forWithElse = new boolean[pieces.size()];
    boolean[] forElse = new boolean[pieces.size()];
    int[] endOf = new int[pieces.size()];
    for (int i = 0; i < pieces.size(); i++) {
      Piece p = pieces.get(i);
      if (p.kind() != 'b' || p.name() == null) {
        continue;
      }
      if (BLOCKS.contains(p.name()) && !(p.name().equals("set") && isSetWithValue(p.body()))) {
        open.push(i);
      } else if (p.name().startsWith("end") && !open.isEmpty()) {
        endOf[open.peek()] = i;
        open.pop();
      } else if (p.name().equals("else") && !open.isEmpty() && "for".equals(pieces.get(open.peek()).name())) {
        forWithElse[open.peek()] = true;
        forElse[i] = true;
      }
    }
    StringBuilder out = new StringBuilder();
    Deque<String> loopVars = new ArrayDeque<>();
    int counter = 0;
    boolean[] endsLoopElse = new boolean[pieces.size()];
    for (int i = 0; i < pieces.size(); i++) {
      Piece p = pieces.get(i);
      switch (p.kind()) {
        case 't' -> out.append(p.body());
        case 'v' -> out.append("{{").append(p.body()).append("}}");
        default -> {
          if (forWithElse[i]) {
            Matcher m = Pattern.compile("\\s*for\\s+(.+?)\\s+in\\s+(.*)", Pattern.DOTALL).matcher(p.body());
            if (m.matches()) {
              String var = "__cpt4j_loop" + counter++;
              loopVars.push(var);
              endsLoopElse[endOf[i]] = true;
              out.append("{% set ").append(var).append(" = ").append(m.group(2)).append(" %}{% for ")
                  .append(m.group(1)).append(" in ").append(var).append(" %}");
              continue;
            }
          }
          if (forElse[i] && !loopVars.isEmpty()) {
            out.append("{% endfor %}{% if not ").append(loopVars.peek()).append(" %}");
          } else if (endsLoopElse[i] && !loopVars.isEmpty()) {
            loopVars.pop();
            out.append("{% endif %}");
          } else {
            out.append("{%").append(p.body()).append("%}");
          }
        }
      }
    }
    return out.toString();
  }

  /** Whether a set tag assigns a value ({@code set x = 1}) rather than opening a block. */
  private static boolean isSetWithValue(String body) {
    int depth = 0;
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '\'' || c == '"') {
        i = JinjaLiterals.stringEnd(body, i);
        if (i < 0) {
          return true;
        }
      } else if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
      } else if (c == '=' && depth == 0) {
        return true;
      }
    }
    return false;
  }
}
