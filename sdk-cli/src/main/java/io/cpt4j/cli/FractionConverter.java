package io.cpt4j.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A fraction in [0, 1], given as a percentage ({@code 1%}, {@code 0.5%}) or a plain number ({@code 0.01}). */
final class FractionConverter implements ITypeConverter<Double> {
  @Override
  public Double convert(String value) {
    String v = value.trim();
    boolean percent = v.endsWith("%");
    double x;
    try {
      x = Double.parseDouble(percent ? v.substring(0, v.length() - 1).trim() : v);
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + value + "' is not a fraction (expected e.g. 1% or 0.01)");
    }
    double f = percent ? x / 100 : x;
    if (!(f >= 0 && f <= 1)) {
      throw new TypeConversionException("'" + value + "' is outside [0, 1] (0%..100%)");
    }
    return f;
  }

  /** {@code 0.01 → "1%"}, {@code 0.005 → "0.5%"}. */
  static String percent(double fraction) {
    String s = String.format(Locale.ROOT, "%.6f", 100 * fraction).replaceAll("0+$", "").replaceAll("\\.$", "");
    return s + "%";
  }
}
