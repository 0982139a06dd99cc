package io.cpt4j.vocab.internal;

import io.cpt4j.vocab.VocabularyException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HF tokenizers' {@code split(pattern, behavior)}: the text cut into the pattern's matches and the
 * stretches between them, then kept, dropped or joined as the behavior says (Removed, Isolated,
 * MergedWithPrevious, MergedWithNext, Contiguous); {@code invert} swaps matches and stretches.
 * Empty pieces are never produced. Stateless.
 */
final class Splits {
  private Splits() {}

  /** Receives each piece and whether it is the first of the text. */
  @FunctionalInterface
  interface Sink {
    void accept(String piece, boolean first);
  }

  private record Segment(int start, int end, boolean match) {}

  static void split(String text, Pattern pattern, String behavior, boolean invert, Sink out) {
    List<Segment> segments = new ArrayList<>();
    Matcher m = pattern.matcher(text);
    int at = 0;
    while (m.find()) {
      if (m.end() == m.start()) {
        continue;
      }
      if (m.start() > at) {
        segments.add(new Segment(at, m.start(), invert));
      }
      segments.add(new Segment(m.start(), m.end(), !invert));
      at = m.end();
    }
    if (at < text.length()) {
      segments.add(new Segment(at, text.length(), invert));
    }
    List<int[]> pieces = new ArrayList<>();
    switch (behavior) {
      case "Isolated" -> segments.forEach(s -> pieces.add(new int[] {s.start, s.end}));
      case "Removed" -> segments.stream().filter(s -> !s.match).forEach(s -> pieces.add(new int[] {s.start, s.end}));
      case "MergedWithPrevious" -> join(segments, pieces, (lastMatch, match) -> match && !lastMatch);
      case "MergedWithNext" -> join(segments, pieces, (lastMatch, match) -> lastMatch && !match);
      case "Contiguous" -> join(segments, pieces, (lastMatch, match) -> match && lastMatch);
      default -> throw new VocabularyException("the tokenizer's split behavior " + behavior + " is not supported");
    }
    for (int i = 0; i < pieces.size(); i++) {
      out.accept(text.substring(pieces.get(i)[0], pieces.get(i)[1]), pieces.get(i)[0] == 0);
    }
  }

  /** Segments as pieces, each joined to the piece before it when {@code joins(previous is a match, it is)}. */
  private static void join(List<Segment> segments, List<int[]> pieces,
      java.util.function.BiPredicate<Boolean, Boolean> joins) {
    boolean lastMatch = false;
    for (Segment s : segments) {
      if (!pieces.isEmpty() && joins.test(lastMatch, s.match)) {
        pieces.getLast()[1] = s.end;
      } else {
        pieces.add(new int[] {s.start, s.end});
      }
      lastMatch = s.match;
    }
  }
}
