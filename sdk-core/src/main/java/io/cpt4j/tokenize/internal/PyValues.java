package io.cpt4j.tokenize.internal;

import com.hubspot.jinjava.objects.SafeString;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's text forms of template values, so Jinjava output reads as Jinja2's: {@link #str}
 * ({@code {{ x }}}: {@code True}, {@code None}, {@code [1, 'a']}, {@code 2.0}) and {@link
 * #jsonDumps} ({@code json.dumps} with {@code ensure_ascii=False}, transformers' {@code tojson}).
 * Stateless; thread-safe.
 */
final class PyValues {
  private PyValues() {}

  /** Python {@code str(value)} for a Java view of a Python value; null is {@code None}. */
  static String str(Object value) {
    return isString(value) ? value.toString() : repr(value);
  }

  /** Python {@code repr(value)}: strings quoted, containers with their elements' repr. */
  static String repr(Object value) {
    StringBuilder out = new StringBuilder();
    repr(value, out);
    return out.toString();
  }

  private static void repr(Object value, StringBuilder out) {
    switch (value) {
      case null -> out.append("None");
      case CharSequence s -> quote(s.toString(), out);
      case SafeString s -> quote(s.toString(), out);
      case Character c -> quote(c.toString(), out);
      case Boolean b -> out.append(b ? "True" : "False");
      case Number n -> out.append(number(n));
      case Map<?, ?> m -> {
        out.append('{');
        String sep = "";
        for (Map.Entry<?, ?> e : m.entrySet()) {
          out.append(sep);
          repr(e.getKey(), out);
          out.append(": ");
          repr(e.getValue(), out);
          sep = ", ";
        }
        out.append('}');
      }
      case Map.Entry<?, ?> e -> { // Jinjava's items() and dictsort pairs print as Python tuples
        out.append('(');
        repr(e.getKey(), out);
        out.append(", ");
        repr(e.getValue(), out);
        out.append(')');
      }
      case Collection<?> c -> {
        out.append('[');
        String sep = "";
        for (Object o : c) {
          out.append(sep);
          repr(o, out);
          sep = ", ";
        }
        out.append(']');
      }
      case Object[] a -> repr(List.of(a), out);
      default -> out.append(value);
    }
  }

  /** Python's repr of a string: single quotes unless it holds ' and no ". */
  private static void quote(String s, StringBuilder out) {
    char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    out.append(q);
    s.codePoints().forEach(cp -> {
      if (cp == q || cp == '\\') {
        out.append('\\').appendCodePoint(cp);
      } else if (cp == '\n') {
        out.append("\\n");
      } else if (cp == '\r') {
        out.append("\\r");
      } else if (cp == '\t') {
        out.append("\\t");
      } else if (printable(cp)) {
        out.appendCodePoint(cp);
      } else if (cp < 0x100) {
        out.append(String.format("\\x%02x", cp));
      } else if (cp < 0x10000) {
        out.append(String.format("\\u%04x", cp));
      } else {
        out.append(String.format("\\U%08x", cp));
      }
    });
    out.append(q);
  }

  /** Python's str.isprintable for one code point (space is printable, other separators not). */
  private static boolean printable(int cp) {
    if (cp == ' ') {
      return true;
    }
    return switch (Character.getType(cp)) {
      case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
          Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
          Character.SPACE_SEPARATOR -> false;
      default -> true;
    };
  }

  /** A number as Python prints it: integers plainly, floats by Python's shortest repr. */
  static String number(Number n) {
    return switch (n) {
      case Long l -> l.toString();
      case Integer i -> i.toString();
      case Short s -> s.toString();
      case Byte b -> b.toString();
      case BigInteger b -> b.toString();
      case BigDecimal b when b.scale() <= 0 -> b.toBigInteger().toString();
      default -> floatRepr(n.doubleValue());
    };
  }

  /**
   * Python's {@code repr(float)}: the shortest digits that round-trip (Java's {@link
   * Double#toString} finds the same ones), positional for decimal exponents -4..15, else
   * {@code 1.5e+20} style.
   */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0.0" : "0.0";
    }
    BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String digits = bd.unscaledValue().toString();
    int exponent = digits.length() - 1 - bd.scale(); // of the first digit
    StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
    if (exponent >= -4 && exponent < 16) {
      String plain = bd.toPlainString();
      out.append(plain).append(plain.indexOf('.') < 0 ? ".0" : "");
    } else {
      out.append(digits.charAt(0));
      if (digits.length() > 1) {
        out.append('.').append(digits, 1, digits.length());
      }
      out.append(exponent < 0 ? "e-" : "e+").append(String.format("%02d", Math.abs(exponent)));
    }
    return out.toString();
  }

  /**
   * Python {@code json.dumps(value, ensure_ascii=False, indent=indent, separators=..., sort_keys=...)}.
   *
   * @param indent null for one line, else the text of one indent level
   * @param itemSeparator null for Python's default ({@code ", "}, or {@code ","} when indenting)
   * @param keySeparator null for {@code ": "}
   */
  static String jsonDumps(Object value, String indent, String itemSeparator, String keySeparator,
      boolean sortKeys) {
    String items = itemSeparator != null ? itemSeparator : indent == null ? ", " : ",";
    String keys = keySeparator != null ? keySeparator : ": ";
    StringBuilder out = new StringBuilder();
    new Json(indent, items, keys, sortKeys, out).write(value, 0);
    return out.toString();
  }

  private record Json(String indent, String items, String keys, boolean sortKeys, StringBuilder out) {

    void write(Object value, int depth) {
      switch (value) {
        case null -> out.append("null");
        case CharSequence s -> string(s.toString());
        case SafeString s -> string(s.toString());
        case Character c -> string(c.toString());
        case Boolean b -> out.append(b);
        case Number n -> out.append(jsonNumber(n));
        case Map<?, ?> m -> {
          List<Map.Entry<String, Object>> entries = new ArrayList<>();
          for (Map.Entry<?, ?> e : m.entrySet()) {
            entries.add(Map.entry(key(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
          }
          if (sortKeys) {
            entries.sort(Map.Entry.comparingByKey());
          }
          container('{', '}', entries, depth, (e, d) -> {
            string(e.getKey());
            out.append(keys);
            write(e.getValue() == NULL ? null : e.getValue(), d);
          });
        }
        case Map.Entry<?, ?> e -> write(List.of(e.getKey(), e.getValue()), depth); // a tuple
        case Collection<?> c -> container('[', ']', new ArrayList<>(c), depth, this::write);
        case Object[] a -> write(java.util.Arrays.asList(a), depth);
        default -> throw new IllegalArgumentException(
            "Object of type " + value.getClass().getSimpleName() + " is not JSON serializable");
      }
    }

    private <T> void container(char open, char close, List<T> elements, int depth,
        java.util.function.ObjIntConsumer<T> writeOne) {
      if (elements.isEmpty()) {
        out.append(open).append(close);
        return;
      }
      out.append(open);
      for (int i = 0; i < elements.size(); i++) {
        if (i > 0) {
          out.append(items);
        }
        newline(depth + 1);
        writeOne.accept(elements.get(i), depth + 1);
      }
      newline(depth);
      out.append(close);
    }

    private void newline(int depth) {
      if (indent != null) {
        out.append('\n').append(indent.repeat(depth));
      }
    }

    /** A dict key as json.dumps writes it: strings as they are, numbers, booleans and None as text. */
    private static String key(Object k) {
      return switch (k) {
        case null -> "null";
        case CharSequence s -> s.toString();
        case Boolean b -> b.toString();
        case Number n -> jsonNumber(n);
        default -> throw new IllegalArgumentException(
            "keys must be str, int, float, bool or None, not " + k.getClass().getSimpleName());
      };
    }

    private static String jsonNumber(Number n) {
      if (n instanceof Double || n instanceof Float) {
        double d = n.doubleValue();
        if (Double.isNaN(d)) {
          return "NaN";
        }
        if (Double.isInfinite(d)) {
          return d > 0 ? "Infinity" : "-Infinity";
        }
      }
      return number(n);
    }

    /** json's py_encode_basestring: quotes, backslash and control characters escaped, the rest kept. */
    private void string(String s) {
      out.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          case '\b' -> out.append("\\b");
          case '\f' -> out.append("\\f");
          default -> {
            if (c < 0x20) {
              out.append(String.format("\\u%04x", (int) c));
            } else {
              out.append(c);
            }
          }
        }
      }
      out.append('"');
    }
  }

  /** Stands for a null map value inside {@link Map#entry}, which refuses nulls. */
  private static final Object NULL = new Object();

  /** Whether {@code o} is a Python string (Jinjava may hand strings over as other CharSequences). */
  static boolean isString(Object o) {
    return o instanceof CharSequence || o instanceof SafeString || o instanceof Character;
  }

  /** Python truthiness of a filter argument such as {@code sort_keys=true}. */
  static boolean truthy(Object o) {
    return switch (o) {
      case null -> false;
      case Boolean b -> b;
      case Number n -> n.doubleValue() != 0;
      case CharSequence s -> !s.isEmpty();
      case Collection<?> c -> !c.isEmpty();
      case Map<?, ?> m -> !m.isEmpty();
      default -> true;
    };
  }
}
