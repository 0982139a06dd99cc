package io.cpt4j.vocab.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.tokenize.internal.ByteLevelBpeTrainer;
import io.cpt4j.tokenize.internal.WordCounts;
import io.cpt4j.vocab.VocabularyException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The text-to-words half of a {@code tokenizer.json}, as HF tokenizers runs it on the text between
 * added tokens: the normalizer, then the pre-tokenizer's splits, giving words in the BPE model's
 * alphabet (GPT-2 byte symbols after a {@code ByteLevel} step; otherwise the normalized characters,
 * cut before every run of the space symbol {@code ▁} that follows another character, which is where
 * SentencePiece-style merges never reach across). Supported normalizers: NFC, NFD, NFKC, NFKD,
 * Lowercase, Prepend, Replace, Strip, Sequence; pre-tokenizers: Split, ByteLevel, Metaspace, Digits,
 * Sequence. Anything else is refused with a {@link VocabularyException}. Immutable; thread-safe.
 */
final class PreTokenization implements WordCounts.Splitter {
  private record Piece(String text, boolean atStart) {}

  private interface Step {
    void apply(Piece in, Consumer<Piece> out);
  }

  private final List<UnaryOperator<String>> normalizers = new ArrayList<>();
  private final List<Step> steps = new ArrayList<>();
  private boolean byteLevel;
  private String spaceSymbol;

  PreTokenization(JsonNode normalizer, JsonNode preTokenizer) {
    normalizer(normalizer);
    preTokenizer(preTokenizer);
  }

  /** Whether a ByteLevel step maps the text to GPT-2's byte symbols. */
  boolean byteLevel() {
    return byteLevel;
  }

  /** What a space becomes (Metaspace's replacement, or a normalizer's Replace of " "), or null. */
  String spaceSymbol() {
    return spaceSymbol;
  }

  @Override
  public void split(String piece, boolean atStart, Consumer<String> word) {
    String text = piece;
    for (UnaryOperator<String> n : normalizers) {
      text = n.apply(text);
    }
    List<Piece> pieces = List.of(new Piece(text, atStart));
    for (Step step : steps) {
      List<Piece> next = new ArrayList<>();
      for (Piece p : pieces) {
        step.apply(p, q -> {
          if (!q.text().isEmpty()) {
            next.add(q);
          }
        });
      }
      pieces = next;
    }
    for (Piece p : pieces) {
      if (byteLevel) {
        word.accept(ByteLevelBpeTrainer.byteSymbols(p.text().getBytes(StandardCharsets.UTF_8)));
      } else {
        spaceUnits(p.text(), word);
      }
    }
  }

  /** Cuts {@code text} before each run of the space symbol that follows another character. */
  private void spaceUnits(String text, Consumer<String> word) {
    if (spaceSymbol == null || spaceSymbol.isEmpty()) {
      word.accept(text);
      return;
    }
    int start = 0;
    int at = text.indexOf(spaceSymbol);
    while (at >= 0) {
      if (at > start && !text.startsWith(spaceSymbol, at - spaceSymbol.length())) {
        word.accept(text.substring(start, at));
        start = at;
      }
      at = text.indexOf(spaceSymbol, at + spaceSymbol.length());
    }
    word.accept(text.substring(start));
  }

  private static String type(JsonNode n) {
    return n.path("type").asText("");
  }

  private void normalizer(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return;
    }
    switch (type(n)) {
      case "Sequence" -> n.path("normalizers").forEach(this::normalizer);
      case "NFC" -> normalizers.add(s -> Normalizer.normalize(s, Normalizer.Form.NFC));
      case "NFD" -> normalizers.add(s -> Normalizer.normalize(s, Normalizer.Form.NFD));
      case "NFKC" -> normalizers.add(s -> Normalizer.normalize(s, Normalizer.Form.NFKC));
      case "NFKD" -> normalizers.add(s -> Normalizer.normalize(s, Normalizer.Form.NFKD));
      case "Lowercase" -> normalizers.add(s -> s.toLowerCase(Locale.ROOT));
      case "Prepend" -> {
        String prefix = n.path("prepend").asText();
        normalizers.add(s -> s.isEmpty() ? s : prefix + s);
      }
      case "Strip" -> {
        boolean left = n.path("strip_left").asBoolean(true);
        boolean right = n.path("strip_right").asBoolean(true);
        normalizers.add(s -> right ? (left ? s.strip() : s.stripTrailing()) : (left ? s.stripLeading() : s));
      }
      case "Replace" -> {
        String content = n.path("content").asText();
        JsonNode pattern = n.path("pattern");
        if (pattern.has("String")) {
          String literal = pattern.path("String").asText();
          if (literal.equals(" ")) {
            spaceSymbol = content;
          }
          normalizers.add(s -> s.replace(literal, content));
        } else {
          Pattern p = regex(pattern.path("Regex").asText(), "normalizer Replace");
          normalizers.add(s -> p.matcher(s).replaceAll(Matcher.quoteReplacement(content)));
        }
      }
      default -> throw new VocabularyException("the tokenizer's normalizer " + type(n) + " is not supported by "
          + "vocabulary extension (supported: NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, Sequence)");
    }
  }

  private void preTokenizer(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return;
    }
    switch (type(n)) {
      case "Sequence" -> n.path("pretokenizers").forEach(this::preTokenizer);
      case "Split" -> {
        JsonNode pattern = n.path("pattern");
        Pattern p = pattern.has("String") ? Pattern.compile(Pattern.quote(pattern.path("String").asText()))
            : regex(pattern.path("Regex").asText(), "pre-tokenizer Split");
        String behavior = n.path("behavior").asText("Isolated");
        boolean invert = n.path("invert").asBoolean(false);
        steps.add((in, out) -> Splits.split(in.text(), p, behavior, invert,
            (s, first) -> out.accept(new Piece(s, in.atStart() && first))));
      }
      case "ByteLevel" -> {
        byteLevel = true;
        boolean prefixSpace = n.path("add_prefix_space").asBoolean(false);
        boolean useRegex = n.path("use_regex").asBoolean(true);
        steps.add((in, out) -> {
          String s = prefixSpace && !in.text().startsWith(" ") ? " " + in.text() : in.text();
          if (!useRegex) {
            out.accept(new Piece(s, in.atStart()));
            return;
          }
          Splits.split(s, WordCounts.GPT2_SPLIT, "Isolated", false, (w, first) -> out.accept(new Piece(w, false)));
        });
      }
      case "Metaspace" -> {
        String replacement = n.path("replacement").asText("\u2581");
        spaceSymbol = replacement;
        String scheme = n.has("prepend_scheme") ? n.path("prepend_scheme").asText("always")
            : n.path("add_prefix_space").asBoolean(true) ? "always" : "never";
        boolean split = n.path("split").asBoolean(true);
        Pattern symbol = Pattern.compile(Pattern.quote(replacement));
        steps.add((in, out) -> {
          String s = in.text().replace(" ", replacement);
          boolean prepend = scheme.equals("always") || (scheme.equals("first") && in.atStart());
          if (prepend && !s.startsWith(replacement)) {
            s = replacement + s;
          }
          if (!split) {
            out.accept(new Piece(s, in.atStart()));
            return;
          }
          Splits.split(s, symbol, "MergedWithNext", false, (w, first) -> out.accept(new Piece(w, in.atStart() && first)));
        });
      }
      case "Digits" -> {
        Pattern digits = Pattern.compile(n.path("individual_digits").asBoolean(false) ? "[0-9]" : "[0-9]+");
        steps.add((in, out) -> Splits.split(in.text(), digits, "Isolated", false,
            (s, first) -> out.accept(new Piece(s, in.atStart() && first))));
      }
      default -> throw new VocabularyException("the tokenizer's pre-tokenizer " + type(n) + " is not supported by "
          + "vocabulary extension (supported: ByteLevel, Metaspace, Split, Digits, Sequence)");
    }
  }

  /** An Oniguruma pattern of a tokenizer.json as a Java pattern (Unicode classes, as Oniguruma's). */
  private static Pattern regex(String pattern, String where) {
    try {
      return Pattern.compile(pattern, Pattern.UNICODE_CHARACTER_CLASS);
    } catch (PatternSyntaxException e) {
      throw new VocabularyException("the tokenizer's " + where + " regex is not one Java can run: "
          + e.getDescription() + " in " + pattern);
    }
  }
}
