package io.cpt4j.eval.internal.tasks;

import io.cpt4j.eval.TaskException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a {@code generate_until} task does with an answer: its {@code filter_list} pipelines
 * (lm-evaluation-harness's filters, one answer per document since generation is greedy and {@code
 * repeats} is 1) and its {@code exact_match} comparison (Hugging Face evaluate's {@code
 * exact_match}, as the harness calls it). Python regular expressions are compiled as Java ones with
 * Unicode character classes ({@code \d}, {@code \w}, {@code \s} as in Python 3) and {@code (?P<name>...)}
 * groups. Immutable and thread-safe.
 */
final class AnswerFilters {
  private AnswerFilters() {}

  /** One step of a pipeline. */
  sealed interface Step {
    String apply(String answer);
  }

  /** {@code take_first}, {@code majority_vote}, {@code take_first_k}: one answer is kept as it is. */
  record Keep(String function) implements Step {
    @Override
    public String apply(String answer) {
      return answer;
    }
  }

  /** {@code lowercase} or {@code uppercase} ({@code str.lower()}, {@code str.upper()}). */
  record Case(boolean upper) implements Step {
    @Override
    public String apply(String answer) {
      return upper ? answer.toUpperCase(Locale.ROOT) : answer.toLowerCase(Locale.ROOT);
    }
  }

  /** {@code remove_whitespace}: {@code str.lstrip()}. */
  record LeftStrip() implements Step {
    @Override
    public String apply(String answer) {
      int i = 0;
      while (i < answer.length() && RequestEncoder.isSpace(answer.charAt(i))) {
        i++;
      }
      return answer.substring(i);
    }
  }

  /**
   * {@code regex}: Python's {@code findall}, then match {@code groupSelect} (negative counts from
   * the end); a match of several groups gives its first non-empty group; the result is stripped; no
   * match gives {@code fallback}.
   */
  record Regex(String where, Pattern pattern, int groupSelect, String fallback) implements Step {
    @Override
    public String apply(String answer) {
      Matcher m = pattern.matcher(answer);
      List<String> matches = new ArrayList<>();
      while (m.find()) {
        if (m.groupCount() == 0) {
          matches.add(m.group());
        } else if (m.groupCount() == 1) {
          matches.add(Objects.requireNonNullElse(m.group(1), ""));
        } else {
          String first = null; // findall's tuple, then the first non-empty group
          for (int g = 1; g <= m.groupCount() && first == null; g++) {
            first = m.group(g) == null || m.group(g).isEmpty() ? null : m.group(g);
          }
          matches.add(first == null ? fallback : first);
        }
      }
      if (matches.isEmpty()) {
        return fallback;
      }
      int i = groupSelect < 0 ? matches.size() + groupSelect : groupSelect;
      if (i < 0 || i >= matches.size()) {
        throw new TaskException(where + ": group_select " + groupSelect + " is out of range for the "
            + matches.size() + " match(es) in the answer " + show(answer) + " (the harness fails here too)");
      }
      return strip(matches.get(i));
    }
  }

  /** A named pipeline: its steps in order. */
  record Pipeline(String name, List<Step> steps) {
    Pipeline {
      steps = List.copyOf(steps);
    }

    /** The harness's pipeline when a task has no {@code filter_list}: {@code none} = take_first. */
    static Pipeline none() {
      return new Pipeline("none", List.of(new Keep("take_first")));
    }

    String apply(String answer) {
      String out = answer;
      for (Step s : steps) {
        out = s.apply(out);
      }
      return out;
    }
  }

  /** {@code exact_match}'s options (Hugging Face evaluate). */
  record ExactMatch(List<Pattern> regexesToIgnore, boolean ignoreCase, boolean ignorePunctuation,
      boolean ignoreNumbers) {
    static final ExactMatch PLAIN = new ExactMatch(List.of(), false, false, false);

    ExactMatch {
      regexesToIgnore = List.copyOf(regexesToIgnore);
    }

    /** Whether {@code answer} equals {@code target} after the same normalisation of both. */
    boolean matches(String answer, String target) {
      return normalise(answer).equals(normalise(target));
    }

    private String normalise(String s) {
      String out = s;
      for (Pattern p : regexesToIgnore) {
        out = p.matcher(out).replaceAll("");
      }
      if (ignoreCase) {
        out = out.toLowerCase(Locale.ROOT);
      }
      if (ignorePunctuation) {
        out = out.replaceAll("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~]", ""); // string.punctuation
      }
      if (ignoreNumbers) {
        out = out.replaceAll("[0-9]", ""); // string.digits
      }
      return out;
    }
  }

  /** A Python pattern as a Java one; throws IllegalArgumentException with the reason if it does not compile. */
  static Pattern compile(String python) {
    String java = python.replace("(?P<", "(?<").replaceAll("\\(\\?P=(\\w+)\\)", "\\\\k<$1>");
    try {
      return Pattern.compile(java, Pattern.UNICODE_CHARACTER_CLASS);
    } catch (java.util.regex.PatternSyntaxException e) {
      throw new IllegalArgumentException(e.getDescription() + " near index " + e.getIndex());
    }
  }

  /** Python's {@code str.strip()}. */
  static String strip(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && RequestEncoder.isSpace(s.charAt(a))) {
      a++;
    }
    while (b > a && RequestEncoder.isSpace(s.charAt(b - 1))) {
      b--;
    }
    return s.substring(a, b);
  }

  /**
   * The harness's cut of a generation: for each stop string in order, the text before its first
   * occurrence ({@code s.split(term)[0]}); empty strings are skipped.
   */
  static String cut(String text, List<String> until) {
    String out = text;
    for (String term : until) {
      if (!term.isEmpty()) {
        int i = out.indexOf(term);
        out = i < 0 ? out : out.substring(0, i);
      }
    }
    return out;
  }

  static String show(String s) {
    String q = "'" + s.replace("\n", "\\n") + "'";
    return q.length() > 80 ? q.substring(0, 77) + "...'" : q;
  }
}
