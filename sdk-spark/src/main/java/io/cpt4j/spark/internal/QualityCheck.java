package io.cpt4j.spark.internal;

import io.cpt4j.spark.QualityFilters;
import java.util.HashSet;
import java.util.Set;

/** The {@link QualityFilters} rules on one text: the name of the first rule it fails, or null. Stateless. */
final class QualityCheck {
  private QualityCheck() {}

  static String firstFailure(String text, QualityFilters f) {
    int words = 0;
    long wordChars = 0;
    int alphaWords = 0;
    int symbols = 0;
    int i = 0;
    int n = text.length();
    while (i < n) {
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      if (i == n) {
        break;
      }
      int start = i;
      boolean alpha = false;
      while (i < n && !Character.isWhitespace(text.charAt(i))) {
        char c = text.charAt(i);
        alpha |= Character.isLetter(c);
        if (c == '#' || c == '\u2026') {
          symbols++;
        } else if (c == '.' && text.startsWith("...", i)) {
          symbols++;
          i += 2;
        }
        i++;
      }
      words++;
      wordChars += text.codePointCount(start, i);
      alphaWords += alpha ? 1 : 0;
    }
    if (words < f.minWords()) {
      return QualityFilters.RULES[0];
    }
    if (words > f.maxWords()) {
      return QualityFilters.RULES[1];
    }
    double mean = words == 0 ? 0 : (double) wordChars / words;
    if (words > 0 && (mean < f.minMeanWordLength() || mean > f.maxMeanWordLength())) {
      return QualityFilters.RULES[2];
    }
    if (words > 0 && (double) symbols / words > f.maxSymbolWordRatio()) {
      return QualityFilters.RULES[3];
    }
    if (words > 0 && (double) alphaWords / words < f.minAlphaWordFraction()) {
      return QualityFilters.RULES[4];
    }
    return duplicateLineFraction(text) > f.maxDuplicateLineFraction() ? QualityFilters.RULES[5] : null;
  }

  /** Non-empty lines (trimmed) that repeat an earlier line, over all non-empty lines. */
  static double duplicateLineFraction(String text) {
    Set<String> seen = new HashSet<>();
    int lines = 0;
    int repeated = 0;
    for (String line : text.split("\n")) {
      String l = line.strip();
      if (!l.isEmpty()) {
        lines++;
        if (!seen.add(l)) {
          repeated++;
        }
      }
    }
    return lines == 0 ? 0 : (double) repeated / lines;
  }

  /** Unicode NFC with {@code \r\n} and lone {@code \r} turned into {@code \n}. */
  static String normalize(String text) {
    String lf = text.indexOf('\r') < 0 ? text : text.replace("\r\n", "\n").replace('\r', '\n');
    return java.text.Normalizer.isNormalized(lf, java.text.Normalizer.Form.NFC) ? lf
        : java.text.Normalizer.normalize(lf, java.text.Normalizer.Form.NFC);
  }
}
