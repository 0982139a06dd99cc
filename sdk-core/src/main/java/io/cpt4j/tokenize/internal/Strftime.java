package io.cpt4j.tokenize.internal;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.IsoFields;
import java.util.Locale;

/**
 * Python's {@code datetime.now().strftime(format)} as chat templates call it through
 * {@code strftime_now}: the C locale's English names, glibc's {@code %-d} (no padding) and
 * {@code %_d} (space padding) flags, and a naive time ({@code %Z} and {@code %z} are empty).
 * Unknown directives are copied as they are, as glibc does. Stateless; thread-safe.
 */
final class Strftime {
  private Strftime() {}

  static String format(String format, ZonedDateTime t) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 >= format.length()) {
        out.append(c);
        continue;
      }
      char pad = '0';
      int start = i;
      char d = format.charAt(++i);
      if ((d == '-' || d == '_') && i + 1 < format.length()) {
        pad = d == '-' ? 0 : ' ';
        d = format.charAt(++i);
      }
      String text = directive(d, t, pad);
      out.append(text != null ? text : format.substring(start, i + 1));
    }
    return out.toString();
  }

  private static String directive(char d, ZonedDateTime t, char pad) {
    int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
    return switch (d) {
      case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
      case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
      case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
      case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
      case 'c' -> format("%a %b %e %H:%M:%S %Y", t);
      case 'C' -> num(t.getYear() / 100, 2, pad);
      case 'd' -> num(t.getDayOfMonth(), 2, pad);
      case 'D', 'x' -> format("%m/%d/%y", t);
      case 'e' -> num(t.getDayOfMonth(), 2, pad == '0' ? ' ' : pad);
      case 'f' -> num(t.getNano() / 1000, 6, '0');
      case 'F' -> format("%Y-%m-%d", t);
      case 'G' -> String.valueOf(t.get(IsoFields.WEEK_BASED_YEAR));
      case 'H' -> num(t.getHour(), 2, pad);
      case 'I' -> num(hour12, 2, pad);
      case 'j' -> num(t.getDayOfYear(), 3, pad);
      case 'k' -> num(t.getHour(), 2, pad == '0' ? ' ' : pad);
      case 'l' -> num(hour12, 2, pad == '0' ? ' ' : pad);
      case 'm' -> num(t.getMonthValue(), 2, pad);
      case 'M' -> num(t.getMinute(), 2, pad);
      case 'n' -> "\n";
      case 'p' -> t.getHour() < 12 ? "AM" : "PM";
      case 'r' -> format("%I:%M:%S %p", t);
      case 'R' -> format("%H:%M", t);
      case 'S' -> num(t.getSecond(), 2, pad);
      case 't' -> "\t";
      case 'T', 'X' -> format("%H:%M:%S", t);
      case 'u' -> String.valueOf(t.getDayOfWeek().getValue());
      case 'U' -> num((t.getDayOfYear() + 6 - t.getDayOfWeek().getValue() % 7) / 7, 2, pad);
      case 'V' -> num(t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2, pad);
      case 'w' -> String.valueOf(t.getDayOfWeek().getValue() % 7);
      case 'W' -> num((t.getDayOfYear() + 6 - (t.getDayOfWeek().getValue() + 6) % 7) / 7, 2, pad);
      case 'y' -> num(t.getYear() % 100, 2, pad);
      case 'Y' -> String.valueOf(t.get(ChronoField.YEAR));
      case 'z', 'Z' -> ""; // datetime.now() is naive: no zone
      case '%' -> "%";
      default -> null;
    };
  }

  /** {@code value} in {@code width} digits, padded with {@code pad} (0: not padded). */
  private static String num(int value, int width, char pad) {
    String s = Integer.toString(value);
    return pad == 0 || s.length() >= width ? s : String.valueOf(pad).repeat(width - s.length()) + s;
  }
}
