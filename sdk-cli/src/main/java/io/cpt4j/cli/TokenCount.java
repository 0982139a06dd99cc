package io.cpt4j.cli;

import java.math.BigDecimal;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A token count: digits (with optional _ or , separators) or a decimal with K, M, G (or B) or T
 * (×1000^k), e.g. 65536, 200M, 1.5B; the CLI's one parser of token counts.
 */
final class TokenCount implements ITypeConverter<Long> {
  @Override
  public Long convert(String value) {
    String v = value.strip().replace("_", "").replace(",", "");
    char suffix = v.isEmpty() ? ' ' : Character.toUpperCase(v.charAt(v.length() - 1));
    int power = "KMGT".indexOf(suffix == 'B' ? 'G' : suffix) + 1;
    String number = power > 0 ? v.substring(0, v.length() - 1) : v;
    if (v.isEmpty()) {
      throw new TypeConversionException("'" + value + "' is not a token count (expected e.g. 65536, 200M or 1.5B)");
    }
    try {
      BigDecimal n = new BigDecimal(number).movePointRight(3 * Math.max(power, 0));
      if (n.signum() < 0 || n.stripTrailingZeros().scale() > 0) {
        throw new NumberFormatException();
      }
      return n.longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw new TypeConversionException("'" + value + "' is not a token count (expected e.g. 65536, 200M or 1.5B)");
    }
  }
}
