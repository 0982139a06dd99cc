package io.cpt4j.eval.internal.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.eval.GeneratedText;
import io.cpt4j.eval.GenerationRequest;
import io.cpt4j.eval.ItemResult;
import io.cpt4j.eval.Task;
import io.cpt4j.eval.TaskException;
import io.cpt4j.eval.TaskOptions;
import io.cpt4j.eval.TaskResult;
import io.cpt4j.eval.TaskType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * generate_until tasks with {@link FakeScorer} answering scripted texts and {@link ByteTokenizer}:
 * the harness's gsm8k.yaml (its two regex pipelines and exact_match options, worked out by hand in
 * eval-tasks/README.md), stop strings, the end-of-text token, targets and the keys refused.
 */
class GenerationTaskTest {
  private static final Path DIR = TaskEvaluationTest.DIR;
  private static final ByteTokenizer BYTES = new ByteTokenizer(false);
  @TempDir Path tmp;

  /** Answers each request with the text scripted for the question its prompt ends with. */
  private static Function<GenerationRequest, int[]> script(Map<String, String> byQuestionStart, boolean eot) {
    return r -> {
      String prompt = BYTES.decode(r.context());
      String last = prompt.substring(prompt.lastIndexOf("Question: ") + "Question: ".length());
      String text = byQuestionStart.entrySet().stream().filter(e -> last.startsWith(e.getKey())).findFirst()
          .orElseThrow(() -> new AssertionError("no script for " + last)).getValue();
      int[] t = BYTES.encode(text);
      if (eot) {
        t = java.util.Arrays.copyOf(t, t.length + 1);
        t[t.length - 1] = ByteTokenizer.EOT;
      }
      return t;
    };
  }

  @Test
  void gsm8kScoresBothPipelinesAsTheHarness() {
    FakeScorer scorer = new FakeScorer(2048);
    scorer.answer = script(Map.of(
        "Ann", " She has 3 * 12 = 36 pens.\n#### 36\n\nQuestion: What is 1 + 1?\nAnswer: 2",
        "A book", " The total is $1,255.",
        "Tom", " 4 + 7 = 12\n#### 12\n\nQuestion: more",
        "A class", " There are 5 teams.\n#### 5"), true);
    Task task = Task.read(DIR.resolve("gsm8k.yaml"));
    assertThat(task.outputType()).isEqualTo(TaskType.GENERATE_UNTIL);
    TaskResult r = task.evaluate(scorer, BYTES);
    assertThat(r.numFewshot()).isEqualTo(5);
    assertThat(r.metrics()).containsExactly(Map.entry("exact_match,strict-match", 0.5),
        Map.entry("exact_match,flexible-extract", 0.75));
    assertThat(r.stderrs().get("exact_match,strict-match")).isCloseTo(Math.sqrt(1.0 / 3) / 2, within(1e-12));
    List<GeneratedText> g = r.items().stream().map(ItemResult::generated).toList();
    assertThat(g.getFirst().text()).isEqualTo(" She has 3 * 12 = 36 pens.\n#### 36\n\n"); // cut before "Question:"
    assertThat(g.get(1).text()).isEqualTo(" The total is $1,255."); // ended by the end-of-text token
    assertThat(g.get(1).tokens()).isEqualTo(" The total is $1,255.".length() + 1);
    assertThat(g).extracting(a -> a.filtered().get("strict-match")).containsExactly("36", "[invalid]", "12", "5");
    assertThat(g).extracting(a -> a.filtered().get("flexible-extract")).containsExactly("36", "$1,255.", "12", "5");
    assertThat(g.get(1).target()).isEqualTo("Both cost 1250 + 5 = <<1250+5=1255>>1,255 dollars.\n#### 1,255");
    GenerationRequest first = scorer.generations.getFirst();
    assertThat(first.maxTokens()).isEqualTo(256);
    assertThat(first.stopTokens()).containsExactly(ByteTokenizer.EOT);
    String prompt = BYTES.decode(first.context());
    assertThat(prompt).endsWith("\n\nQuestion: Ann has 3 boxes of 12 pens. How many pens does she have?\nAnswer:");
    assertThat(prompt.split("\nAnswer: ", -1)).hasSize(6); // five worked examples, each "Answer: <answer>\n\n"
    assertThat(prompt).contains("Question: Max has 8 cards and gets 5 more. How many cards has he?\nAnswer: He has"
        + " 8 + 5 = <<8+5=13>>13 cards.\n#### 13\n\n").doesNotStartWith("\n");
  }

  @Test
  void generationStopsOnceAStopStringIsOut() {
    FakeScorer scorer = new FakeScorer(2048);
    scorer.answer = script(Map.of("", " 36\n#### 36\n\nQuestion: and this is never generated"), false);
    Task.read(DIR.resolve("gsm8k.yaml")).evaluate(scorer, BYTES, TaskOptions.builder().limit(1).build());
    GenerationRequest r = scorer.generations.getFirst();
    int[] all = scripted(" 36\n#### 36\n\nQuestion:");
    assertThat(r.finished(java.util.Arrays.copyOf(all, all.length - 1))).isFalse();
    assertThat(r.finished(all)).isTrue();
  }

  private static int[] scripted(String s) {
    return BYTES.encode(s);
  }

  @Test
  void defaultsStopAtTheFewshotDelimiterAndAChoiceIndexTargetIsItsChoice() throws IOException {
    Path data = tmp.resolve("d.jsonl");
    Files.writeString(data, "{\"q\": \"2 + 2\", \"opts\": [\"3\", \"4\"], \"y\": 1}\n"
        + "{\"q\": \"5 - 1\", \"opts\": [\"4\", \"6\"], \"y\": 0}\n");
    Path yaml = tmp.resolve("t.yaml");
    Files.writeString(yaml, "task: sums\ndataset_path: json\ndataset_kwargs:\n  data_files: {test: " + data
        + "}\ntest_split: test\noutput_type: generate_until\ndoc_to_text: \"Question: {{q}} =\"\n"
        + "doc_to_target: y\ndoc_to_choice: opts\n");
    FakeScorer scorer = new FakeScorer(512);
    scorer.answer = script(Map.of("2", " 4\n\nQuestion: 1", "5", "4"), false);
    TaskResult r = Task.read(yaml).evaluate(scorer, BYTES, TaskOptions.builder().build());
    assertThat(r.metrics()).containsExactly(Map.entry("exact_match", 0.5)); // " 4" is not "4"; "4" is
    assertThat(r.items()).extracting(i -> i.generated().target()).containsExactly("4", "4");
    assertThat(r.items()).extracting(i -> i.generated().text()).containsExactly(" 4", "4");
    assertThatThrownBy(() -> Task.read(yaml).evaluate(new FakeScorer(256), BYTES))
        .isInstanceOf(TaskException.class).hasMessageContaining("max_gen_toks 256 leaves no room for the prompt in "
            + "the model's context of 256 tokens");
    assertThat(Task.read(yaml).describe()).contains("generation: until [\"\\n\\n\"], max_gen_toks 256, filters [none]");
  }

  @Test
  void exactMatchOptionsNormaliseBothSides() {
    AnswerFilters.ExactMatch m = new AnswerFilters.ExactMatch(List.of(AnswerFilters.compile("(?P<x>,)")), true,
        true, true);
    assertThat(m.matches("The Answer:1,2!", "the answer")).isTrue();
    assertThat(AnswerFilters.ExactMatch.PLAIN.matches("a", "A")).isFalse();
    AnswerFilters.Regex tuple = new AnswerFilters.Regex("f", AnswerFilters.compile("(a)|(b)"), 0, "none");
    assertThat(tuple.apply("xbx")).isEqualTo("b");
    AnswerFilters.Regex outOfRange = new AnswerFilters.Regex("gsm8k.yaml:3", AnswerFilters.compile("\\d"), 2, "-");
    assertThatThrownBy(() -> outOfRange.apply("1 2")).isInstanceOf(TaskException.class)
        .hasMessageContaining("group_select 2 is out of range for the 2 match(es)");
    assertThat(AnswerFilters.cut("a\n\nb</s>c", List.of("", "</s>", "\n\n"))).isEqualTo("a");
    assertThat(new AnswerFilters.LeftStrip().apply(" \t x ")).isEqualTo("x ");
  }
}
