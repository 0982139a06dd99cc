package io.cpt4j.tokenize.internal;

/**
 * Jinja2 string literals in tag text: where they end, which characters they cover, their value by
 * Python's escapes (&#92;n, &#92;u00e9, &#92;x41, &#92;N{BULLET}, octal; unknown escapes kept),
 * and a literal Jinjava reads back as a given value (only the quote and backslash escaped, since
 * Jinjava knows no other escapes). Stateless; thread-safe.
 */
final class JinjaLiterals {
  private JinjaLiterals() {}

  /** Index of the quote closing the string literal that opens at {@code open}, or -1. */
  static int stringEnd(String s, int open) {
    char q = s.charAt(open);
    for (int i = open + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == q) {
        return i;
      }
    }
    return -1;
  }

  /** Whether each character of {@code code} lies inside a string literal. */
  static boolean[] inString(String code) {
    boolean[] in = new boolean[code.length() + 1];
    for (int i = 0; i < code.length(); i++) {
      char c = code.charAt(i);
      if (c == '\'' || c == '"') {
        int end = stringEnd(code, i);
        end = end < 0 ? code.length() - 1 : end;
        java.util.Arrays.fill(in, i, end + 1, true);
        i = end;
      }
    }
    return in;
  }

  /** A string literal Jinjava reads back as {@code value}: only the quote and backslash escaped. */
  static String literal(String value, char quote) {
    StringBuilder out = new StringBuilder().append(quote);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\' || c == quote) {
        out.append('\\');
      }
      out.append(c);
    }
    return out.append(quote).toString();
  }

  /** Python's unicode-escape decoding of a literal's text, as Jinja2 reads string literals. */
  static String decode(String raw) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '\\' || i + 1 >= raw.length()) {
        out.append(c);
        continue;
      }
      char e = raw.charAt(++i);
      switch (e) {
        case '\n' -> { } // line continuation
        case '\\', '\'', '"' -> out.append(e);
        case 'a' -> out.append('\u0007');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'v' -> out.append('\u000b');
        case 'x', 'u', 'U' -> {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          String hex = raw.substring(i + 1, Math.min(raw.length(), i + 1 + digits));
          if (hex.length() < digits || !hex.chars().allMatch(h -> Character.digit(h, 16) >= 0)) {
            throw new IllegalArgumentException("truncated \\" + e + " escape in string literal");
          }
          out.appendCodePoint(Integer.parseInt(hex, 16));
          i += digits;
        }
        case 'N' -> {
          int close = raw.indexOf('}', i);
          if (i + 1 >= raw.length() || raw.charAt(i + 1) != '{' || close < 0) {
            throw new IllegalArgumentException("malformed \\N character escape in string literal");
          }
          out.appendCodePoint(Character.codePointOf(raw.substring(i + 2, close)));
          i = close;
        }
        default -> {
          if (e >= '0' && e <= '7') {
            int j = i;
            while (j < raw.length() && j < i + 3 && raw.charAt(j) >= '0' && raw.charAt(j) <= '7') {
              j++;
            }
            out.appendCodePoint(Integer.parseInt(raw.substring(i, j), 8));
            i = j - 1;
          } else {
            out.append('\\').append(e); // Python keeps unknown escapes
          }
        }
      }
    }
    return out.toString();
  }
}
