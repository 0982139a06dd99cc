package io.cpt4j.eval.internal.tasks;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.eval.Task;
import io.cpt4j.eval.TaskException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every unusable task file is one {@link TaskException} from {@link Task#read} that names the file,
 * the line (of the YAML for a key, of the data for a document) and the key or field.
 */
class TaskFileErrorsTest {
  @TempDir Path tmp;

  /** Line by line: 1 task, 2 dataset_path, 3 dataset_kwargs, 4 output_type, 5 test_split, 6-8 doc_to_*. */
  private static final String BASE = """
      task: bad
      dataset_path: json
      dataset_kwargs: {data_files: {test: data.jsonl}}
      output_type: multiple_choice
      test_split: test
      doc_to_text: "{{question}}"
      doc_to_choice: "{{choices}}"
      doc_to_target: label
      """;
  private static final String DOC = "{\"question\": \"Q?\", \"choices\": [\"x\", \"y\"], \"label\": 0}\n";

  private void refused(String yaml, String data, String... fragments) throws IOException {
    Files.writeString(tmp.resolve("data.jsonl"), data);
    Files.writeString(tmp.resolve("bad.yaml"), yaml);
    var thrown = assertThatThrownBy(() -> Task.read(tmp.resolve("bad.yaml"))).isInstanceOf(TaskException.class);
    for (String f : fragments) {
      thrown.hasMessageContaining(f.replace("$", tmp.toString()));
    }
  }

  @Test
  void anUnknownOutputTypeNamesItsLine() throws IOException {
    refused(BASE.replace("output_type: multiple_choice", "output_type: ranking"), DOC,
        "$/bad.yaml:4: output_type: unknown output_type 'ranking'");
  }

  private static final String GEN = BASE.replace("output_type: multiple_choice", "output_type: generate_until");

  @Test
  void samplingAndBeamSearchAreRefused() throws IOException {
    refused(GEN + "generation_kwargs:\n  until: [\"\\n\"]\n  do_sample: true\n", DOC,
        "$/bad.yaml:11: generation_kwargs.do_sample: sampling is not supported: cpt4j generates greedily");
    refused(GEN + "generation_kwargs:\n  num_beams: 4\n", DOC,
        "$/bad.yaml:10: generation_kwargs.num_beams: beam search is not supported");
    refused(GEN + "generation_kwargs:\n  temperature: 0.7\n", DOC,
        "generation_kwargs.temperature: a temperature of 0.7 without do_sample: false");
    refused(GEN + "generation_kwargs:\n  max_new_tokens: 9\n", DOC,
        "generation_kwargs.max_new_tokens: is not supported (cpt4j reads until, max_gen_toks");
  }

  @Test
  void generationFiltersAndMetricOptionsCpt4jLacksAreRefused() throws IOException {
    refused(GEN + "filter_list:\n  - name: mc\n    filter:\n      - function: multi_choice_regex\n", DOC,
        "$/bad.yaml:12: filter_list[0].filter[0].function: filter 'multi_choice_regex' is not supported (cpt4j has "
            + "lowercase, majority_vote, regex, remove_whitespace, take_first, take_first_k, uppercase)");
    refused(GEN + "filter_list:\n  - name: r\n    filter:\n      - function: regex\n        regex_pattern: \"(a\"\n",
        DOC, "filter_list[0].filter[0].regex_pattern: not a regular expression cpt4j can read");
    refused(GEN + "filter_list:\n  - name: r\n    filter:\n      - function: regex\n        fallback_regex: [x]\n",
        DOC, "filter_list[0].filter[0].fallback_regex: is not an option of the regex filter");
    refused(GEN + "metric_list:\n  - metric: exact_match\n    ignore_whitespace: true\n", DOC,
        "$/bad.yaml:11: metric_list[0].ignore_whitespace: is not supported for exact_match in generate_until tasks "
            + "(exact_match takes ignore_case, ignore_punctuation, ignore_numbers, regexes_to_ignore)");
    refused(BASE + "metric_list:\n  - metric: exact_match\n    ignore_case: true\n", DOC,
        "metric_list[0].ignore_case: is not supported for exact_match in multiple_choice tasks");
    refused(GEN + "repeats: 4\n", DOC, "repeats: must be 1");
  }

  @Test
  void aFunctionTagIsRefusedWhereItIs() throws IOException {
    refused(BASE + "process_docs: !function utils.process_docs\n", DOC,
        "$/bad.yaml:9: process_docs: !function (Python code next to the task) cannot run in cpt4j");
  }

  @Test
  void filtersOtherThanTakeFirstAreRefused() throws IOException {
    refused(BASE + "filter_list:\n  - name: strict\n    filter:\n      - function: regex\n", DOC,
        "$/bad.yaml:12: filter_list[0].filter[0]: filter 'regex' is not supported");
  }

  @Test
  void anUnknownKeyIsATypo() throws IOException {
    refused(BASE.replace("doc_to_text:", "doc_to_txt:"), DOC, "$/bad.yaml:6: doc_to_txt: unknown key");
  }

  @Test
  void aHubDatasetIsNotDownloaded() throws IOException {
    refused(BASE.replace("dataset_path: json", "dataset_path: allenai/ai2_arc"), DOC,
        "$/bad.yaml:2: dataset_path: 'allenai/ai2_arc' is not a local directory or file");
  }

  @Test
  void parquetDataIsRefusedWithWhatToDo() throws IOException {
    Files.writeString(tmp.resolve("test.parquet"), "PAR1");
    refused(BASE.replace("test: data.jsonl", "test: test.parquet"), DOC,
        "$/test.parquet: split 'test': Parquet (no Parquet reader is on cpt4j's class path) data is not supported");
  }

  @Test
  void aFieldNameThatIsNotInTheData() throws IOException {
    refused(BASE.replace("doc_to_target: label", "doc_to_target: labl"), DOC,
        "$/bad.yaml:8: doc_to_target: 'labl' is not a field of the data (fields: question, choices, label)");
  }

  @Test
  void aTemplateThatDoesNotParse() throws IOException {
    refused(BASE.replace("\"{{question}}\"", "\"{{question}\""), DOC, "$/bad.yaml:6: doc_to_text: not a valid Jinja template");
  }

  @Test
  void anUndefinedVariableInATemplateNamesTheDocument() throws IOException {
    refused(BASE.replace("{{question}}", "{{qestion}}"), DOC + DOC,
        "$/data.jsonl:1: doc_to_text ($/bad.yaml:6): template error: 'qestion' is undefined");
  }

  @Test
  void aDocumentMissingAFieldTheOthersHave() throws IOException {
    refused(BASE, DOC + "{\"question\": \"Q?\", \"choices\": [\"x\", \"y\"]}\n",
        "$/data.jsonl:2: doc_to_target ($/bad.yaml:8): field 'label' is missing or null");
  }

  @Test
  void aGoldOutOfRange() throws IOException {
    refused(BASE, DOC + DOC + "{\"question\": \"Q?\", \"choices\": [\"x\", \"y\"], \"label\": 7}\n",
        "$/data.jsonl:3: doc_to_target ($/bad.yaml:8): gold 7 is out of range for 2 choices");
  }

  @Test
  void emptyChoices() throws IOException {
    refused(BASE, DOC + "{\"question\": \"Q?\", \"choices\": [], \"label\": 0}\n",
        "$/data.jsonl:2: doc_to_choice ($/bad.yaml:7): the list of choices is empty");
  }

  @Test
  void malformedJsonNamesTheLine() throws IOException {
    refused(BASE, DOC + "\n{\"question\": \"Q?\", \"choices\": [\"x\"\n", "$/data.jsonl:3: malformed JSON: Unexpected end-of-input: expected close marker for Array");
  }

  @Test
  void aMetricTheHarnessHasButCpt4jNotYet() throws IOException {
    refused(BASE + "metric_list:\n  - metric: acc\n  - metric: f1\n", DOC,
        "$/bad.yaml:11: metric_list[1].metric: 'f1' is not supported yet for multiple_choice tasks");
  }

  @Test
  void notYamlNamesTheLine() throws IOException {
    refused(BASE + "doc_to_text: again\n", DOC, "$/bad.yaml:9: not valid YAML", "Duplicate field 'doc_to_text'");
  }

  @Test
  void aMissingIncludeNamesTheIncludingFile() throws IOException {
    refused("include: _missing.yaml\n" + BASE, DOC, "$/_missing.yaml: no such task file (included by $/bad.yaml)");
  }

  @Test
  void minimalJsonlErrorsNameTheLineAndField() throws IOException {
    String good = "{\"context\": \"Q:\", \"choices\": [\"a\", \"b\"], \"gold\": 1}\n";
    String[][] cases = {
        {good + "{\"context\": \"Q:\", \"choices\": [\"a\", \"b\"], \"gold\": 5}\n",
            "$/bad.jsonl:2: gold: gold 5 is out of range for 2 choices"},
        {"{\"context\": \"Q:\", \"choices\": [], \"gold\": 0}\n", "$/bad.jsonl:1: choices: the list of choices is empty"},
        {good + good + "{\"context\": \"Q:\", \"choices\": [\"a\"] \"gold\": 0}\n", "$/bad.jsonl:3: malformed JSON"},
        {good + "{\"choices\": [\"a\"], \"gold\": 0}\n", "$/bad.jsonl:2: context: missing"},
        {"{\"context\": \"Q:\", \"choices\": [\"a\", 2], \"gold\": 0}\n", "$/bad.jsonl:1: choices: choice 1 is 2, not text"},
        {"{\"context\": \"Q:\", \"choices\": [\"a\"], \"gold\": \"a\"}\n", "$/bad.jsonl:1: gold: must be the index"}};
    for (String[] c : cases) {
      Files.writeString(tmp.resolve("bad.jsonl"), c[0]);
      assertThatThrownBy(() -> Task.read(tmp.resolve("bad.jsonl"))).isInstanceOf(TaskException.class)
          .hasMessageContaining(c[1].replace("$", tmp.toString()));
    }
  }

  @Test
  void otherFilesAreNotTasks() throws IOException {
    Files.writeString(tmp.resolve("task.txt"), "x");
    assertThatThrownBy(() -> Task.read(tmp.resolve("task.txt"))).isInstanceOf(TaskException.class)
        .hasMessageContaining("task.txt: not a task file");
  }
}
