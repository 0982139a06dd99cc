package io.cpt4j.eval.internal.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.eval.TaskException;
import io.cpt4j.eval.TaskType;
import io.cpt4j.eval.internal.tasks.TaskSpec.DocValue;
import io.cpt4j.eval.internal.tasks.TaskSpec.Fewshot;
import io.cpt4j.eval.internal.tasks.TaskSpec.TaskData;
import io.cpt4j.tokenize.internal.JinjaText;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The keys of a task YAML, checked and made into a {@link TaskSpec}: the harness's {@code
 * TaskConfig} fields cpt4j honours, with the harness's defaults; descriptive keys ignored; keys that
 * would change the scores and cannot be honoured refused. Errors are {@link BadKey}s naming the
 * key. Stateless.
 */
final class TaskKeys {
  private TaskKeys() {}

  static final Set<String> SUPPORTED = Set.of("task", "output_type", "dataset_path", "dataset_name", "dataset_kwargs",
      "training_split", "validation_split", "test_split", "fewshot_split", "doc_to_text", "doc_to_target",
      "doc_to_choice", "description", "target_delimiter", "fewshot_delimiter", "num_fewshot", "fewshot_config",
      "metric_list", "generation_kwargs", "filter_list");
  /** Keys that name or describe: read and ignored. */
  static final Set<String> IGNORED = Set.of("tag", "group", "group_alias", "task_alias", "metadata", "version",
      "should_decontaminate", "doc_to_decontamination_query", "unsafe_code");
  /**
   * Keys whose presence changes the scores in ways cpt4j cannot reproduce ({@code repeats} and
   * {@code gen_prefix} are refused unless they change nothing, {@code filter_list} of a
   * loglikelihood task unless it only takes the first answer).
   */
  static final Map<String, String> REFUSED = Map.of(
      "process_docs", "process_docs (Python preprocessing) is not supported: prepare the documents in the data files",
      "process_results", "process_results (Python scoring) is not supported",
      "custom_dataset", "custom_dataset (Python loading) is not supported: point dataset_path at JSON Lines files",
      "doc_to_image", "images are not supported",
      "doc_to_audio", "audio is not supported",
      "use_prompt", "promptsource prompts (use_prompt) are not supported: write doc_to_text and doc_to_target",
      "class", "Python task classes are not supported");
  private static final Set<String> OTHER_HARNESS_METRICS = Set.of("f1", "mcc", "brier_score", "acc_mutual_info",
      "bleu", "chrf", "ter", "exact_match_mc", "bpb", "logprob", "choice_logprob", "bypass", "matthews_corrcoef");

  private static final List<String> EXACT_MATCH_OPTIONS = List.of("ignore_case", "ignore_punctuation",
      "ignore_numbers", "regexes_to_ignore");

  static TaskSpec spec(TaskYaml.Merged m) {
    JsonNode root = m.root();
    for (String key : (Iterable<String>) () -> root.fieldNames()) {
      if (REFUSED.containsKey(key) && !root.get(key).isNull()) {
        throw new BadKey(key, REFUSED.get(key));
      }
      if (!SUPPORTED.contains(key) && !IGNORED.contains(key) && !REFUSED.containsKey(key)
          && !Set.of("repeats", "gen_prefix").contains(key)) {
        throw new BadKey(key, "unknown key (cpt4j reads " + String.join(", ", new TreeSet<>(SUPPORTED))
            + "; it ignores " + String.join(", ", new TreeSet<>(IGNORED)) + ")");
      }
    }
    TaskType type = type(root);
    checkNoEffect(root, type);
    String name = text(root, "task", null);
    if (name == null || name.isBlank()) {
      throw new BadKey("task", "every task needs a name (task: my_task)");
    }
    JsonNode fewshot = root.get("fewshot_config");
    boolean firstN = false;
    if (fewshot != null && !fewshot.isNull()) {
      for (String k : (Iterable<String>) () -> fewshot.fieldNames()) {
        if (!k.equals("sampler")) {
          throw new BadKey("fewshot_config." + k, "is not supported (fewshot_config may set sampler: default or "
              + "first_n)");
        }
      }
      String sampler = text(fewshot, "sampler", "default");
      if (!sampler.equals("default") && !sampler.equals("first_n")) {
        throw new BadKey("fewshot_config.sampler", "unknown sampler '" + sampler + "' (default or first_n)");
      }
      firstN = sampler.equals("first_n");
    }
    int numFewshot = integer(root, "num_fewshot", 0);
    if (numFewshot > 0 && type == TaskType.LOGLIKELIHOOD_ROLLING) {
      throw new BadKey("num_fewshot", "loglikelihood_rolling tasks take no few-shot examples");
    }
    String description = text(root, "description", "");
    JinjaText descriptionTemplate = description.isEmpty() ? null : template("description", description);
    TaskData data = data(m, root, numFewshot);
    Set<String> features = data.evalDocs().getFirst().fields().keySet();
    DocValue text = docValue(m, root, "doc_to_text", features);
    DocValue target = docValue(m, root, "doc_to_target", features);
    DocValue choice = docValue(m, root, "doc_to_choice", features);
    if (target == null) {
      throw new BadKey("doc_to_target", "is required (a field name, a template or a choice index)");
    }
    if (text == null && type != TaskType.LOGLIKELIHOOD_ROLLING) {
      throw new BadKey("doc_to_text", "is required for " + type.yamlName() + " tasks");
    }
    if (choice == null && type == TaskType.MULTIPLE_CHOICE) {
      throw new BadKey("doc_to_choice", "is required for multiple_choice tasks");
    }
    String fewshotDelimiter = text(root, "fewshot_delimiter", "\n\n");
    AnswerFilters.ExactMatch[] exactMatch = {AnswerFilters.ExactMatch.PLAIN};
    List<String> metrics = metrics(root, type, exactMatch);
    GenerationKeys.GenerationSpec generation = type == TaskType.GENERATE_UNTIL
        ? GenerationKeys.spec(root, fewshotDelimiter, exactMatch[0]) : null;
    return new TaskSpec(m.file(), name, type, text, target, choice, text(root, "target_delimiter", " "),
        fewshotDelimiter, numFewshot, descriptionTemplate, metrics, firstN, data, generation);
  }

  private static TaskType type(JsonNode root) {
    String t = text(root, "output_type", "generate_until"); // the harness's default
    return TaskType.ofYamlName(t).orElseThrow(() -> new BadKey("output_type", "unknown output_type '" + t
        + "' (multiple_choice, loglikelihood, loglikelihood_rolling, generate_until)"));
  }

  /** repeats and gen_prefix are refused unless they change nothing, a loglikelihood task's filter_list too. */
  private static void checkNoEffect(JsonNode root, TaskType type) {
    JsonNode filters = root.path("filter_list");
    if (type != TaskType.GENERATE_UNTIL && !filters.isMissingNode() && !filters.isNull()) {
      for (int i = 0; i < filters.size(); i++) {
        JsonNode steps = filters.get(i).path("filter");
        for (int j = 0; j < steps.size(); j++) {
          String fn = steps.get(j).path("function").asText("");
          if (!fn.equals("take_first")) {
            throw new BadKey("filter_list[" + i + "].filter[" + j + "]", "filter '" + fn + "' is not supported: "
                + "loglikelihood tasks take their answers unfiltered (only take_first is accepted)");
          }
        }
      }
    }
    JsonNode repeats = root.path("repeats");
    if (!repeats.isMissingNode() && !repeats.isNull() && repeats.asInt(0) != 1) {
      throw new BadKey("repeats", "must be 1 (repeats are for sampled generation; cpt4j generates greedily)");
    }
    JsonNode prefix = root.path("gen_prefix");
    if (!prefix.isMissingNode() && !prefix.isNull()) {
      throw new BadKey("gen_prefix", "is not supported (it changes few-shot prompts)");
    }
  }

  private static TaskData data(TaskYaml.Merged m, JsonNode root, int numFewshot) {
    String path = text(root, "dataset_path", null);
    if (path == null) {
      throw new BadKey("dataset_path", "is required: a local directory or JSON Lines file, or json with "
          + "dataset_kwargs.data_files");
    }
    JsonNode kwargs = root.get("dataset_kwargs");
    if (kwargs != null && !kwargs.isNull()) {
      for (String k : (Iterable<String>) () -> kwargs.fieldNames()) {
        if (!Set.of("data_files", "data_dir", "trust_remote_code", "revision").contains(k)) {
          throw new BadKey("dataset_kwargs." + k, "is not supported (cpt4j reads data_files and data_dir)");
        }
      }
    }
    String evalSplit = text(root, "test_split", null);
    String evalKey = "test_split";
    if (evalSplit == null) {
      evalSplit = text(root, "validation_split", null);
      evalKey = "validation_split";
    }
    if (evalSplit == null) {
      throw new BadKey("test_split", "the task needs a test_split or a validation_split to evaluate");
    }
    String fewshotSplit = text(root, "fewshot_split", null);
    for (String k : List.of("training_split", "validation_split", "test_split")) {
      fewshotSplit = fewshotSplit != null ? fewshotSplit : text(root, k, null);
    }
    Path dir = m.dirOf("dataset_path");
    Path kwargsDir = m.dirOf("dataset_kwargs");
    String datasetName = text(root, "dataset_name", null);
    DataFiles.Resolved eval;
    try {
      eval = DataFiles.resolve(dir, kwargsDir, path, datasetName, kwargs, Set.of(evalSplit));
    } catch (BadKey b) {
      boolean noFiles = b.key.equals("dataset_path") && b.getMessage().startsWith("no files");
      throw noFiles ? new BadKey(evalKey, b.getMessage()) : b;
    }
    String split = evalSplit;
    List<TaskDoc> docs = DocReader.read(eval.splits().get(evalSplit), "split '" + split + "'");
    if (docs.isEmpty()) {
      throw new BadKey(evalKey, "split '" + evalSplit + "' has no documents (" + eval.splits().get(evalSplit) + ")");
    }
    Fewshot fewshot;
    if (fewshotSplit.equals(evalSplit)) {
      fewshot = Fewshot.of(docs);
    } else {
      String fs = fewshotSplit;
      String fsKey = root.hasNonNull("fewshot_split") ? "fewshot_split" : "training_split";
      fewshot = new Fewshot(() -> {
        try {
          List<Path> files = DataFiles.resolve(dir, kwargsDir, path, datasetName, kwargs, Set.of(fs)).splits().get(fs);
          return DocReader.read(files, "split '" + fs + "'");
        } catch (BadKey b) {
          throw new TaskException(m.where(fsKey) + "few-shot split '" + fs + "': " + b.getMessage());
        }
      });
      if (numFewshot > 0) {
        fewshot.docs(); // read now: its problems are the file's
      }
    }
    return new TaskData(evalSplit, docs, fewshotSplit, fewshot, eval.source());
  }

  /** A doc_to_* value: a field of the data, a template, or a literal. Null when absent. */
  private static DocValue docValue(TaskYaml.Merged m, JsonNode root, String key, Set<String> features) {
    JsonNode v = root.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    String where = m.where(key).replaceAll(": " + key + ": $", "");
    if (v.isTextual()) {
      String s = v.asText();
      if (features.contains(s)) {
        return new DocValue.Field(key, where, s);
      }
      if (s.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new BadKey(key, "'" + s + "' is not a field of the data (fields: " + String.join(", ", features)
            + "); write a template such as \"{{" + s + "}}\" or name a field");
      }
      return new DocValue.Template(key, where, template(key, s));
    }
    if (v.isIntegralNumber()) {
      if (key.equals("doc_to_text")) {
        throw new BadKey(key, "a number (a choice index: multiple-input tasks such as winogrande) is not "
            + "supported yet");
      }
      return new DocValue.Literal(key, where, v.intValue());
    }
    if (key.equals("doc_to_choice") && (v.isArray() || v.isObject())) {
      List<Object> choices = new ArrayList<>();
      (v.isArray() ? v.valueStream() : v.properties().stream().map(Map.Entry::getValue)).forEach(c -> {
        if (!c.isTextual()) {
          throw new BadKey(key, "choices must be text, got " + c);
        }
        choices.add(c.asText());
      });
      if (choices.isEmpty()) {
        throw new BadKey(key, "the list of choices is empty");
      }
      return new DocValue.Literal(key, where, List.copyOf(choices));
    }
    if (key.equals("doc_to_target") && v.isArray()) {
      throw new BadKey(key, "several targets (a list) are not supported yet");
    }
    throw new BadKey(key, "must be a field name or a template" + (key.equals("doc_to_target") ? " or an index" : "")
        + ", got " + v);
  }

  /** The metric names; {@code exactMatch[0]} gets exact_match's options in a generate_until task. */
  private static List<String> metrics(JsonNode root, TaskType type, AnswerFilters.ExactMatch[] exactMatch) {
    JsonNode list = root.get("metric_list");
    if (list == null || list.isNull()) {
      return type.defaultMetrics();
    }
    if (!list.isArray() || list.isEmpty()) {
      throw new BadKey("metric_list", "must be a non-empty list of {metric: name, aggregation: ...}");
    }
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "metric_list[" + i + "]";
      JsonNode e = list.get(i);
      String name = e.isTextual() ? e.asText() : text(e, "metric", null);
      if (name == null) {
        throw new BadKey(at, "each entry needs metric: <name>");
      }
      if (!type.metrics().contains(name)) {
        throw new BadKey(at + ".metric", (OTHER_HARNESS_METRICS.contains(name) ? "'" + name + "' is not supported yet"
            : "unknown metric '" + name + "'") + " for " + type.yamlName() + " tasks (cpt4j has "
            + String.join(", ", type.metrics()) + ")");
      }
      if (e.isObject()) {
        boolean options = type == TaskType.GENERATE_UNTIL && name.equals("exact_match");
        for (String k : (Iterable<String>) e::fieldNames) {
          if (!Set.of("metric", "aggregation", "higher_is_better").contains(k) && !(options && EXACT_MATCH_OPTIONS
              .contains(k))) {
            throw new BadKey(at + "." + k, "is not supported for " + name + " in " + type.yamlName() + " tasks"
                + (options ? " (exact_match takes " + String.join(", ", EXACT_MATCH_OPTIONS) + ")" : ""));
          }
        }
        if (options) {
          exactMatch[0] = GenerationKeys.exactMatch(e, at);
        }
      }
      String aggregation = e.isObject() ? text(e, "aggregation", null) : null;
      String expected = TaskMetrics.aggregation(name);
      if (aggregation != null && !aggregation.equals(expected)) {
        throw new BadKey(at + ".aggregation", "'" + aggregation + "' is not supported for " + name + " (it is "
            + expected + ")");
      }
      out.add(name);
    }
    return List.copyOf(out);
  }

  private static JinjaText template(String key, String source) {
    try {
      return JinjaText.of(source);
    } catch (IllegalArgumentException e) {
      throw new BadKey(key, "not a valid Jinja template: " + e.getMessage());
    }
  }

  private static String text(JsonNode node, String key, String fallback) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isValueNode() || v.isBoolean()) {
      throw new BadKey(key, "must be text, got " + v);
    }
    return v.asText();
  }

  private static int integer(JsonNode node, String key, int fallback) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || v.intValue() < 0) {
      throw new BadKey(key, "must be a whole number >= 0, got " + v);
    }
    return v.intValue();
  }
}
