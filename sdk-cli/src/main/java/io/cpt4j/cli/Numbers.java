package io.cpt4j.cli;

import java.util.Locale;

/** Number formatting shared by the commands (locale-independent). */
final class Numbers {
  private Numbers() {}

  /** Thousands separators: 162322944 → "162,322,944". */
  static String grouped(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** Short form: 950 → "950", 12345 → "12.3K", 162322944 → "162.3M", 6738415616 → "6.7B". */
  static String shortForm(long n) {
    if (Math.abs(n) < 1000) {
      return Long.toString(n);
    }
    String[] units = {"K", "M", "B", "T"};
    double v = n;
    int u = -1;
    while (Math.abs(v) >= 999.95 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f%s", v, units[u]);
  }
}
