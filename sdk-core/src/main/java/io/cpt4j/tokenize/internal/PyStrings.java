package io.cpt4j.tokenize.internal;

import com.hubspot.jinjava.el.ext.NamedParameter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The Python {@code str} methods chat templates call ({@code content.strip()},
 * {@code role.startswith('<')}, {@code text.split('</think>')[-1]}, ...), with Python's semantics:
 * whitespace is {@code str.isspace}, {@code split()} without a separator splits on runs of it,
 * {@code strip(chars)} removes any of those characters. Java's own {@code String.strip} and
 * {@code String.split} (a regex) differ, so these replace them in templates. Stateless; thread-safe.
 */
final class PyStrings {
  private PyStrings() {}

  /**
   * Calls method {@code name} of string {@code s}; empty when Python's str has no such method here.
   *
   * @throws IllegalArgumentException when the arguments do not fit the method
   */
  static Optional<Object> call(String s, String name, Object[] args) {
    Object[] a = args == null ? new Object[0] : args;
    Object result = switch (name) {
      case "strip" -> strip(s, chars(a, name), true, true);
      case "lstrip" -> strip(s, chars(a, name), true, false);
      case "rstrip" -> strip(s, chars(a, name), false, true);
      case "startswith" -> affix(s, arg(a, 0, name), true);
      case "endswith" -> affix(s, arg(a, 0, name), false);
      case "split" -> split(s, optString(a, 0), maxsplit(a));
      case "rsplit" -> rsplit(s, optString(a, 0), maxsplit(a));
      case "splitlines" -> s.lines().toList();
      case "upper" -> s.toUpperCase(Locale.ROOT);
      case "lower" -> s.toLowerCase(Locale.ROOT);
      case "title" -> title(s);
      case "capitalize" -> s.isEmpty() ? s
          : title(s.substring(0, s.offsetByCodePoints(0, 1)))
              + s.substring(s.offsetByCodePoints(0, 1)).toLowerCase(Locale.ROOT);
      case "replace" -> replace(s, string(a, 0, name), string(a, 1, name),
          a.length > 2 ? ((Number) a[2]).intValue() : -1);
      case "find" -> (long) codePointIndex(s, s.indexOf(string(a, 0, name)));
      case "rfind" -> (long) codePointIndex(s, s.lastIndexOf(string(a, 0, name)));
      case "count" -> count(s, string(a, 0, name));
      case "join" -> join(s, arg(a, 0, name));
      case "format" -> format(s, a);
      case "removeprefix" -> s.startsWith(string(a, 0, name)) ? s.substring(string(a, 0, name).length()) : s;
      case "removesuffix" -> s.endsWith(string(a, 0, name)) && !string(a, 0, name).isEmpty()
          ? s.substring(0, s.length() - string(a, 0, name).length()) : s;
      case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
      case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
      case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
      case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PyStrings::isSpace);
      case "isupper" -> s.codePoints().anyMatch(Character::isUpperCase)
          && s.codePoints().noneMatch(Character::isLowerCase);
      case "islower" -> s.codePoints().anyMatch(Character::isLowerCase)
          && s.codePoints().noneMatch(Character::isUpperCase);
      default -> null;
    };
    return Optional.ofNullable(result);
  }

  /** Python's str.isspace for one code point. */
  static boolean isSpace(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
  }

  /** Python {@code s.strip(chars)}: chars null strips whitespace. */
  static String strip(String s, String chars, boolean left, boolean right) {
    int start = 0;
    int end = s.length();
    while (left && start < end && stripped(s.codePointAt(start), chars)) {
      start += Character.charCount(s.codePointAt(start));
    }
    while (right && end > start && stripped(s.codePointBefore(end), chars)) {
      end -= Character.charCount(s.codePointBefore(end));
    }
    return s.substring(start, end);
  }

  private static boolean stripped(int cp, String chars) {
    return chars == null ? isSpace(cp) : chars.indexOf(cp) >= 0;
  }

  private static boolean affix(String s, Object what, boolean prefix) {
    if (what instanceof Collection<?> options) { // a tuple of prefixes
      return options.stream().anyMatch(o -> affix(s, o, prefix));
    }
    String w = PyValues.str(what);
    return prefix ? s.startsWith(w) : s.endsWith(w);
  }

  /** Python {@code s.split(sep, maxsplit)}. */
  static List<Object> split(String s, String sep, int maxsplit) {
    List<Object> parts = new ArrayList<>();
    if (sep == null) {
      int i = 0;
      while (true) {
        while (i < s.length() && isSpace(s.codePointAt(i))) {
          i += Character.charCount(s.codePointAt(i));
        }
        if (i >= s.length()) {
          return parts;
        }
        if (maxsplit >= 0 && parts.size() == maxsplit) {
          parts.add(strip(s.substring(i), null, false, true));
          return parts;
        }
        int j = i;
        while (j < s.length() && !isSpace(s.codePointAt(j))) {
          j += Character.charCount(s.codePointAt(j));
        }
        parts.add(s.substring(i, j));
        i = j;
      }
    }
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    int from = 0;
    int at;
    while ((maxsplit < 0 || parts.size() < maxsplit) && (at = s.indexOf(sep, from)) >= 0) {
      parts.add(s.substring(from, at));
      from = at + sep.length();
    }
    parts.add(s.substring(from));
    return parts;
  }

  private static List<Object> rsplit(String s, String sep, int maxsplit) {
    if (maxsplit < 0) {
      return split(s, sep, -1);
    }
    // Split the reversed string with the reversed separator, then reverse back.
    String rs = new StringBuilder(s).reverse().toString();
    String rsep = sep == null ? null : new StringBuilder(sep).reverse().toString();
    List<Object> parts = new ArrayList<>();
    for (Object p : split(rs, rsep, maxsplit).reversed()) {
      parts.add(new StringBuilder((String) p).reverse().toString());
    }
    return parts;
  }

  /** Python's str.title: a cased letter is upper (title) case after an uncased character. */
  private static String title(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean previousCased = false;
    for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
      int cp = s.codePointAt(i);
      boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
      if (cased) {
        out.append(previousCased ? new String(Character.toChars(cp)).toLowerCase(Locale.ROOT)
            : Character.isLowerCase(cp) ? new String(Character.toChars(cp)).toUpperCase(Locale.ROOT)
            : new String(Character.toChars(cp)));
      } else {
        out.appendCodePoint(cp);
      }
      previousCased = cased;
    }
    return out.toString();
  }

  private static String replace(String s, String old, String replacement, int count) {
    if (count < 0) {
      return s.replace(old, replacement);
    }
    StringBuilder out = new StringBuilder();
    int from = 0;
    int at;
    for (int n = 0; n < count && (at = s.indexOf(old, from)) >= 0 && !old.isEmpty(); n++) {
      out.append(s, from, at).append(replacement);
      from = at + old.length();
    }
    return out.append(s.substring(from)).toString();
  }

  private static long count(String s, String sub) {
    if (sub.isEmpty()) {
      return s.codePointCount(0, s.length()) + 1L;
    }
    long n = 0;
    for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
      n++;
    }
    return n;
  }

  private static String join(String sep, Object items) {
    List<String> texts = new ArrayList<>();
    Iterable<?> it = items instanceof Iterable<?> i ? i : List.of(PyValues.str(items).split(""));
    for (Object o : it) {
      if (!PyValues.isString(o)) {
        throw new IllegalArgumentException("sequence item " + texts.size() + ": expected str instance, "
            + (o == null ? "NoneType" : o.getClass().getSimpleName()) + " found");
      }
      texts.add(o.toString());
    }
    return String.join(sep, texts);
  }

  /**
   * Python {@code str.format} for plain fields: {@code {}}, {@code {0}}, {@code {name}}, with
   * {@code !r}/{@code !s}, and {@code {{}}/{@code }}} escapes. Format specs ({@code {:>8}}) are
   * refused rather than ignored.
   */
  private static String format(String f, Object[] args) {
    List<Object> positional = new ArrayList<>();
    java.util.Map<String, Object> named = new java.util.HashMap<>();
    for (Object o : args) {
      if (o instanceof NamedParameter p) {
        named.put(p.getName(), p.getValue());
      } else {
        positional.add(o);
      }
    }
    StringBuilder out = new StringBuilder();
    int auto = 0;
    for (int i = 0; i < f.length(); i++) {
      char c = f.charAt(i);
      if ((c == '{' || c == '}') && i + 1 < f.length() && f.charAt(i + 1) == c) {
        out.append(c);
        i++;
      } else if (c == '{') {
        int close = f.indexOf('}', i);
        if (close < 0) {
          throw new IllegalArgumentException("Single '{' encountered in format string");
        }
        String field = f.substring(i + 1, close);
        if (field.contains(":")) {
          throw new IllegalArgumentException("format spec in '{" + field + "}' is not supported");
        }
        String conversion = field.contains("!") ? field.substring(field.indexOf('!') + 1) : "s";
        field = field.contains("!") ? field.substring(0, field.indexOf('!')) : field;
        Object value;
        if (field.isEmpty()) {
          value = auto < positional.size() ? positional.get(auto++) : missing(field);
        } else if (field.chars().allMatch(Character::isDigit)) {
          int index = Integer.parseInt(field);
          value = index < positional.size() ? positional.get(index) : missing(field);
        } else {
          value = named.containsKey(field) ? named.get(field) : missing(field);
        }
        out.append(conversion.equals("r") ? PyValues.repr(value) : PyValues.str(value));
        i = close;
      } else if (c == '}') {
        throw new IllegalArgumentException("Single '}' encountered in format string");
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static Object missing(String field) {
    throw new IllegalArgumentException("format: no argument for field '{" + field + "}'");
  }

  /** A UTF-16 index as Python's code point index (-1 stays -1). */
  private static int codePointIndex(String s, int index) {
    return index < 0 ? index : s.codePointCount(0, index);
  }

  private static Object arg(Object[] a, int i, String method) {
    if (a.length <= i) {
      throw new IllegalArgumentException("str." + method + "() takes at least " + (i + 1) + " argument(s)");
    }
    return a[i];
  }

  private static String string(Object[] a, int i, String method) {
    Object o = arg(a, i, method);
    if (!PyValues.isString(o)) {
      throw new IllegalArgumentException("str." + method + "() argument " + (i + 1) + " must be str, not "
          + (o == null ? "None" : o.getClass().getSimpleName()));
    }
    return o.toString();
  }

  private static String optString(Object[] a, int i) {
    return a.length > i && a[i] != null ? PyValues.str(a[i]) : null;
  }

  private static String chars(Object[] a, String method) {
    return a.length == 0 || a[0] == null ? null : string(a, 0, method);
  }

  private static int maxsplit(Object[] a) {
    return a.length > 1 && a[1] instanceof Number n ? n.intValue() : -1;
  }
}
