package io.cpt4j.eval.internal.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.eval.internal.tasks.AnswerFilters.Case;
import io.cpt4j.eval.internal.tasks.AnswerFilters.ExactMatch;
import io.cpt4j.eval.internal.tasks.AnswerFilters.Keep;
import io.cpt4j.eval.internal.tasks.AnswerFilters.LeftStrip;
import io.cpt4j.eval.internal.tasks.AnswerFilters.Pipeline;
import io.cpt4j.eval.internal.tasks.AnswerFilters.Regex;
import io.cpt4j.eval.internal.tasks.AnswerFilters.Step;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The keys of a {@code generate_until} task: {@code generation_kwargs} (with the harness's defaults:
 * until the {@code fewshot_delimiter}, greedy, {@code max_gen_toks} 256 as HFLM's), {@code
 * filter_list} and {@code exact_match}'s options in {@code metric_list}. Sampling and beam search
 * are refused (cpt4j generates greedily), as are filters and options it does not implement. Errors
 * are {@link BadKey}s. Stateless.
 */
final class GenerationKeys {
  private GenerationKeys() {}

  /** HFLM's {@code max_gen_toks} when a task does not set one. */
  static final int DEFAULT_MAX_GEN_TOKS = 256;

  private static final Set<String> IGNORED_UNDER_GREEDY = Set.of("top_p", "top_k", "min_p", "typical_p");
  private static final Set<String> FILTERS = Set.of("take_first", "majority_vote", "take_first_k", "regex",
      "remove_whitespace", "lowercase", "uppercase");

  /**
   * What a generate_until task asks for.
   *
   * @param until stop strings (the end-of-sequence text is added when generating)
   * @param maxGenToks most tokens generated per document
   * @param pipelines the filter pipelines, in order ({@link Pipeline#none()} without a filter_list)
   * @param exactMatch exact_match's options
   */
  record GenerationSpec(List<String> until, int maxGenToks, List<Pipeline> pipelines, ExactMatch exactMatch) {
    GenerationSpec {
      until = List.copyOf(until);
      pipelines = List.copyOf(pipelines);
    }

    /** The reported name of {@code metric} under {@code pipeline}: plain for {@code none}, else {@code metric,NAME}. */
    static String metricName(String metric, Pipeline pipeline) {
      return pipeline.name().equals("none") ? metric : metric + "," + pipeline.name();
    }
  }

  static GenerationSpec spec(JsonNode root, String fewshotDelimiter, ExactMatch exactMatch) {
    List<String> until = new ArrayList<>(List.of(fewshotDelimiter));
    int maxGenToks = DEFAULT_MAX_GEN_TOKS;
    JsonNode kw = root.get("generation_kwargs");
    if (kw != null && !kw.isNull()) {
      if (!kw.isObject()) {
        throw new BadKey("generation_kwargs", "must be a mapping (until: [...], max_gen_toks: N, do_sample: false)");
      }
      boolean sampled = kw.path("do_sample").asBoolean(false);
      for (String k : (Iterable<String>) kw::fieldNames) {
        JsonNode v = kw.get(k);
        String at = "generation_kwargs." + k;
        switch (k) {
          case "until" -> until = strings(at, v);
          case "max_gen_toks" -> {
            if (!v.isIntegralNumber() || v.intValue() < 1) {
              throw new BadKey(at, "must be a whole number >= 1, got " + v);
            }
            maxGenToks = v.intValue();
          }
          case "do_sample" -> {
            if (!v.isBoolean()) {
              throw new BadKey(at, "must be true or false, got " + v);
            }
            if (sampled) {
              throw new BadKey(at, "sampling is not supported: cpt4j generates greedily (do_sample: false)");
            }
          }
          case "temperature" -> {
            if (!v.isNumber()) {
              throw new BadKey(at, "must be a number, got " + v);
            }
            if (v.doubleValue() != 0 && !kw.has("do_sample")) {
              throw new BadKey(at, "a temperature of " + v + " without do_sample: false leaves the choice between "
                  + "greedy and sampled decoding to the model's generation_config; cpt4j generates greedily: set "
                  + "temperature: 0 or do_sample: false");
            }
          }
          case "num_beams" -> requireOne(at, v, "beam search is not supported: cpt4j generates greedily");
          case "repetition_penalty" -> requireOne(at, v, "a repetition penalty is not supported in tasks");
          default -> {
            if (!IGNORED_UNDER_GREEDY.contains(k)) {
              throw new BadKey(at, "is not supported (cpt4j reads until, max_gen_toks, do_sample: false, "
                  + "temperature: 0, num_beams: 1, and ignores " + String.join(", ", IGNORED_UNDER_GREEDY.stream()
                      .sorted().toList()) + " as greedy decoding does)");
            }
          }
        }
      }
    }
    return new GenerationSpec(until, maxGenToks, pipelines(root.get("filter_list")), exactMatch);
  }

  private static void requireOne(String at, JsonNode v, String why) {
    if (!v.isNumber() || v.doubleValue() != 1) {
      throw new BadKey(at, why + " (must be 1, got " + v + ")");
    }
  }

  private static List<String> strings(String at, JsonNode v) {
    if (v.isNull()) {
      return List.of();
    }
    if (v.isTextual()) {
      return List.of(v.asText());
    }
    if (!v.isArray()) {
      throw new BadKey(at, "must be a text or a list of texts, got " + v);
    }
    List<String> out = new ArrayList<>();
    for (JsonNode s : v) {
      if (!s.isTextual()) {
        throw new BadKey(at, "must be a list of texts, got " + s + " in it");
      }
      out.add(s.asText());
    }
    return out;
  }

  private static List<Pipeline> pipelines(JsonNode list) {
    if (list == null || list.isNull()) {
      return List.of(Pipeline.none());
    }
    if (!list.isArray() || list.isEmpty()) {
      throw new BadKey("filter_list", "must be a non-empty list of {name: ..., filter: [{function: ...}, ...]}");
    }
    List<Pipeline> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "filter_list[" + i + "]";
      JsonNode p = list.get(i);
      String name = p.path("name").asText("none");
      if (!names.add(name)) {
        throw new BadKey(at + ".name", "two pipelines are named '" + name + "'");
      }
      JsonNode steps = p.path("filter");
      if (!steps.isArray() || steps.isEmpty()) {
        throw new BadKey(at + ".filter", "must be a non-empty list of {function: ...}");
      }
      List<Step> parsed = new ArrayList<>();
      for (int j = 0; j < steps.size(); j++) {
        parsed.add(step(at + ".filter[" + j + "]", steps.get(j)));
      }
      out.add(new Pipeline(name, parsed));
    }
    return out;
  }

  private static Step step(String at, JsonNode s) {
    String fn = s.path("function").asText("");
    if (!FILTERS.contains(fn)) {
      throw new BadKey(at + ".function", "filter '" + fn + "' is not supported (cpt4j has " + String.join(", ",
          FILTERS.stream().sorted().toList()) + ")");
    }
    for (String k : (Iterable<String>) s::fieldNames) {
      boolean known = k.equals("function") || (fn.equals("regex") && Set.of("regex_pattern", "group_select",
          "fallback").contains(k)) || (fn.equals("take_first_k") && k.equals("k"));
      if (!known) {
        throw new BadKey(at + "." + k, "is not an option of the " + fn + " filter cpt4j supports");
      }
    }
    return switch (fn) {
      case "regex" -> {
        String pattern = s.path("regex_pattern").asText("#### (\\-?[0-9\\.\\,]+)");
        Pattern compiled;
        try {
          compiled = AnswerFilters.compile(pattern);
        } catch (IllegalArgumentException e) {
          throw new BadKey(at + ".regex_pattern", "not a regular expression cpt4j can read: " + e.getMessage());
        }
        JsonNode g = s.path("group_select");
        if (!g.isMissingNode() && !g.isIntegralNumber()) {
          throw new BadKey(at + ".group_select", "must be a whole number, got " + g);
        }
        yield new Regex(at, compiled, g.asInt(0), s.path("fallback").asText("[invalid]"));
      }
      case "lowercase" -> new Case(false);
      case "uppercase" -> new Case(true);
      case "remove_whitespace" -> new LeftStrip();
      default -> new Keep(fn);
    };
  }

  /** exact_match's options from its metric_list entry at {@code at} ({@code metric_list[i]}). */
  static ExactMatch exactMatch(JsonNode entry, String at) {
    List<Pattern> regexes = new ArrayList<>();
    JsonNode r = entry.get("regexes_to_ignore");
    if (r != null && !r.isNull()) {
      for (String p : strings(at + ".regexes_to_ignore", r)) {
        try {
          regexes.add(AnswerFilters.compile(p));
        } catch (IllegalArgumentException e) {
          throw new BadKey(at + ".regexes_to_ignore", "'" + p + "' is not a regular expression cpt4j can read: "
              + e.getMessage());
        }
      }
    }
    return new ExactMatch(regexes, flag(entry, at, "ignore_case"), flag(entry, at, "ignore_punctuation"),
        flag(entry, at, "ignore_numbers"));
  }

  private static boolean flag(JsonNode entry, String at, String key) {
    JsonNode v = entry.get(key);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new BadKey(at + "." + key, "must be true or false, got " + v);
    }
    return v.asBoolean();
  }
}
