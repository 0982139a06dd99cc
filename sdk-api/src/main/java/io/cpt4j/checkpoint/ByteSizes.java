package io.cpt4j.checkpoint;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes read and shown the one way cpt4j does it everywhere (the CLI's flags, merge configs'
 * {@code max_shard_size}, memory plans). Stateless and thread-safe.
 */
public final class ByteSizes {
  private ByteSizes() {}

  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgtp]i?b|b)?", Pattern.CASE_INSENSITIVE);

  /**
   * A size as Hugging Face writes them: decimal units {@code KB MB GB TB PB} (powers of 1000), binary
   * units {@code KiB MiB GiB TiB PiB} (powers of 1024), {@code B} or plain bytes; case-insensitive,
   * a fraction and a space before the unit allowed ("2GB", "1.5 GiB", "500mb", "1048576"), rounded
   * to whole bytes.
   *
   * @throws IllegalArgumentException if it is not a positive size below 2⁶³ bytes, naming it
   */
  public static long parse(String value) {
    Matcher m = SIZE.matcher(value.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "invalid size '" + value + "' (expected bytes or a number with a unit, e.g. 500MB, 2GB, 2GiB)");
    }
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    long multiplier = switch (unit) {
      case "b" -> 1L;
      case "kb" -> 1_000L;
      case "mb" -> 1_000_000L;
      case "gb" -> 1_000_000_000L;
      case "tb" -> 1_000_000_000_000L;
      case "pb" -> 1_000_000_000_000_000L;
      case "kib" -> 1L << 10;
      case "mib" -> 1L << 20;
      case "gib" -> 1L << 30;
      case "tib" -> 1L << 40;
      case "pib" -> 1L << 50;
      default -> throw new IllegalArgumentException("invalid size unit in '" + value + "'");
    };
    double bytes = Double.parseDouble(m.group(1)) * multiplier;
    if (bytes >= 0x1p63) {
      throw new IllegalArgumentException("size '" + value + "' is too large");
    }
    long result = Math.round(bytes);
    if (result <= 0) {
      throw new IllegalArgumentException("size '" + value + "' must be at least 1 byte");
    }
    return result;
  }

  /** A short form in decimal units, for files and transfers: "512 B", "1.2 kB", "162.3 MB", "6.7 GB". */
  public static String decimal(long bytes) {
    if (bytes < 1000) {
      return bytes + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB", "PB", "EB"};
    double v = bytes;
    int u = -1;
    while (v >= 999.95 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** Three significant digits in binary units, for memory: "512 B", "1.50 KiB", "12.3 GiB", "162 MiB". */
  public static String binary(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return (v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : v >= 10 ? String.format(Locale.ROOT, "%.1f", v)
        : String.format(Locale.ROOT, "%.2f", v)) + " " + units[u];
  }
}
