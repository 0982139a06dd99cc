package io.cpt4j.eval.internal.tasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code ast.literal_eval} for what task templates print: strings (single, double and
 * triple quotes, the usual escapes, adjacent literals joined), ints, floats, True, False, None,
 * lists, tuples (as lists) and dicts, with an optional leading minus on numbers. Stateless.
 */
final class PyLiteral {
  private final String s;
  private int pos;

  private PyLiteral(String s) {
    this.s = s;
  }

  /**
   * The value of {@code text}: String, Long, Double, Boolean, null, List or Map.
   *
   * @throws IllegalArgumentException when it is not one Python literal (the message says where)
   */
  static Object parse(String text) {
    PyLiteral p = new PyLiteral(text);
    p.space();
    Object v = p.value();
    p.space();
    if (p.pos != text.length()) {
      throw p.bad("unexpected text after the value");
    }
    return v;
  }

  private Object value() {
    if (pos >= s.length()) {
      throw bad("a value is missing");
    }
    char c = s.charAt(pos);
    return switch (c) {
      case '[' -> sequence(']');
      case '(' -> sequence(')');
      case '{' -> dict();
      case '\'', '"' -> string();
      default -> atom();
    };
  }

  private List<Object> sequence(char close) {
    pos++;
    List<Object> items = new ArrayList<>();
    space();
    while (!peek(close)) {
      items.add(value());
      space();
      if (peek(',')) {
        pos++;
        space();
      } else if (!peek(close)) {
        throw bad("expected ',' or '" + close + "'");
      }
    }
    pos++;
    return items;
  }

  private Map<Object, Object> dict() {
    pos++;
    Map<Object, Object> map = new LinkedHashMap<>();
    space();
    while (!peek('}')) {
      Object key = value();
      space();
      if (!peek(':')) {
        throw bad("expected ':'");
      }
      pos++;
      space();
      map.put(key, value());
      space();
      if (peek(',')) {
        pos++;
        space();
      } else if (!peek('}')) {
        throw bad("expected ',' or '}'");
      }
    }
    pos++;
    return map;
  }

  private String string() {
    StringBuilder out = new StringBuilder();
    while (pos < s.length() && (s.charAt(pos) == '\'' || s.charAt(pos) == '"')) { // 'a' 'b' is 'ab'
      char q = s.charAt(pos);
      String quote = s.startsWith(String.valueOf(q).repeat(3), pos) ? String.valueOf(q).repeat(3) : String.valueOf(q);
      pos += quote.length();
      while (!s.startsWith(quote, pos)) {
        if (pos >= s.length() || (quote.length() == 1 && s.charAt(pos) == '\n')) {
          throw bad("unterminated string");
        }
        char c = s.charAt(pos++);
        out.append(c == '\\' ? escape() : String.valueOf(c));
      }
      pos += quote.length();
      space();
    }
    return out.toString();
  }

  private String escape() {
    if (pos >= s.length()) {
      throw bad("unterminated string");
    }
    char c = s.charAt(pos++);
    return switch (c) {
      case 'n' -> "\n";
      case 't' -> "\t";
      case 'r' -> "\r";
      case '0' -> "\0";
      case 'a' -> "\u0007";
      case 'b' -> "\b";
      case 'f' -> "\f";
      case 'v' -> "\u000b";
      case '\n' -> "";
      case 'x' -> hex(2);
      case 'u' -> hex(4);
      case 'U' -> hex(8);
      case '\\', '\'', '"' -> String.valueOf(c);
      default -> "\\" + c; // Python keeps unknown escapes as written
    };
  }

  private String hex(int digits) {
    if (pos + digits > s.length()) {
      throw bad("truncated \\x, \\u or \\U escape");
    }
    int cp = Integer.parseUnsignedInt(s.substring(pos, pos + digits), 16);
    pos += digits;
    return Character.toString(cp);
  }

  private Object atom() {
    int start = pos;
    while (pos < s.length() && "[](){},:'\"".indexOf(s.charAt(pos)) < 0 && !Character.isWhitespace(s.charAt(pos))) {
      pos++;
    }
    String word = s.substring(start, pos);
    switch (word) {
      case "True" -> { return true; }
      case "False" -> { return false; }
      case "None" -> { return null; }
      default -> { }
    }
    String digits = word.replace("_", "");
    try {
      if (digits.matches("[+-]?\\d+")) {
        return Long.parseLong(digits);
      }
      if (digits.matches("[+-]?(\\d+\\.?\\d*([eE][+-]?\\d+)?|\\.\\d+([eE][+-]?\\d+)?)")) {
        return Double.parseDouble(digits);
      }
    } catch (NumberFormatException e) {
      throw bad("number out of range: " + word);
    }
    pos = start;
    throw bad("not a Python literal: '" + (word.isEmpty() ? s.charAt(pos) : word) + "'");
  }

  private boolean peek(char c) {
    if (pos >= s.length()) {
      throw bad("unexpected end");
    }
    return s.charAt(pos) == c;
  }

  private void space() {
    while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
      pos++;
    }
  }

  private IllegalArgumentException bad(String why) {
    return new IllegalArgumentException(why + " at character " + pos);
  }
}
