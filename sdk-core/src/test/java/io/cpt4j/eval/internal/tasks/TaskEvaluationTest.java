package io.cpt4j.eval.internal.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cpt4j.eval.ItemResult;
import io.cpt4j.eval.LoglikelihoodRequest;
import io.cpt4j.eval.Task;
import io.cpt4j.eval.TaskOptions;
import io.cpt4j.eval.TaskResult;
import io.cpt4j.eval.TaskType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks scored with {@link FakeScorer} (token t costs 1 + t % 4 nats) and {@link ByteTokenizer}
 * (one token per byte), so every number is worked out by hand; see eval-tasks/README.md.
 */
class TaskEvaluationTest {
  static final Path DIR = Path.of("src/test/resources/eval-tasks");
  private static final ByteTokenizer BYTES = new ByteTokenizer(false);
  @TempDir Path tmp;

  @Test
  void multipleChoiceAccuracyIsWorkedOutByHand() {
    for (String file : List.of("tiny.jsonl", "arc_easy.yaml")) {
      TaskResult r = Task.read(DIR.resolve(file)).evaluate(new FakeScorer(2048), BYTES);
      assertThat(r.type()).isEqualTo(TaskType.MULTIPLE_CHOICE);
      assertThat(r.n()).isEqualTo(4);
      assertThat(r.metrics()).containsExactly(java.util.Map.entry("acc", 0.25), java.util.Map.entry("acc_norm", 0.75));
      assertThat(r.stderrs().get("acc")).isCloseTo(0.25, within(1e-12));
      assertThat(r.stderrs().get("acc_norm")).isCloseTo(0.25, within(1e-12));
      assertThat(r.items()).extracting(ItemResult::loglikelihoods).containsExactly(
          List.of(-3.0, -3.0, -8.0), List.of(-3.0, -5.0), List.of(-4.0, -2.0), List.of(-9.0, -5.0));
      assertThat(r.items()).extracting(ItemResult::pred).containsExactly(0, 0, 1, 1);
      assertThat(r.items()).extracting(ItemResult::predNorm).containsExactly(1, 0, 1, 0);
      assertThat(r.items()).extracting(ItemResult::gold).containsExactly(1, 0, 0, 0);
      assertThat(r.items().getFirst().tokens()).containsExactly(2, 3, 3); // " a", " dd", " bc"
    }
  }

  @Test
  void accBytesAndExactMatchWhenTheMetricListAsksForThem() throws IOException {
    Path yaml = tmp.resolve("arc_bytes.yaml");
    Files.writeString(yaml, Files.readString(DIR.resolve("arc_easy.yaml"))
        .replace("dataset_path: data/ai2_arc", "dataset_path: " + DIR.resolve("data/ai2_arc").toAbsolutePath())
        .replace("  - metric: acc_norm", "  - metric: acc_bytes\n  - metric: exact_match\n  - metric: acc_norm"));
    TaskResult r = Task.read(yaml).evaluate(new FakeScorer(2048), BYTES);
    // acc_bytes divides by the bytes of " " + choice: doc 1 -3/2, -3/3, -8/3 picks 1; doc 4 -9/5 beats -5/2
    assertThat(r.metrics()).containsExactly(java.util.Map.entry("acc", 0.25), java.util.Map.entry("acc_bytes", 0.75),
        java.util.Map.entry("exact_match", 0.5), java.util.Map.entry("acc_norm", 0.75));
  }

  @Test
  void fewShotPromptIsRenderedAsTheHarnessRendersIt() throws IOException {
    FakeScorer scorer = new FakeScorer(4096);
    Task task = Task.read(DIR.resolve("mmlu_astronomy.yaml"));
    assertThat(task.name()).isEqualTo("mmlu_astronomy");
    TaskResult r = task.evaluate(scorer, BYTES, TaskOptions.builder().numFewshot(2).limit(1).build());
    assertThat(r.numFewshot()).isEqualTo(2);
    List<LoglikelihoodRequest> requests = scorer.requests();
    assertThat(requests).hasSize(4);
    String expected = Files.readString(DIR.resolve("expected/mmlu_astronomy_2shot_doc0.txt"));
    for (int c = 0; c < 4; c++) {
      assertThat(BYTES.decode(requests.get(c).context())).isEqualTo(expected);
      assertThat(BYTES.decode(requests.get(c).continuation())).isEqualTo(" " + "ABCD".charAt(c));
    }
  }

  @Test
  void theContextCarriesTheTokenizersPrefix() {
    FakeScorer scorer = new FakeScorer(4096);
    Task.read(DIR.resolve("mmlu_astronomy.yaml")).evaluate(scorer, new ByteTokenizer(true),
        TaskOptions.builder().limit(1).build());
    int[] context = scorer.requests().getFirst().context();
    assertThat(context[0]).isEqualTo(ByteTokenizer.BOS);
    assertThat(BYTES.decode(Arrays.copyOfRange(context, 1, context.length)))
        .startsWith("The following are multiple choice questions (with answers) about astronomy.\n\nWhat is true")
        .endsWith("Answer:");
  }

  @Test
  void fewShotExamplesFromTheEvaluatedSplitLeaveTheEvaluatedDocumentOut() {
    Task task = Task.read(DIR.resolve("tiny.jsonl"));
    List<String> first = contexts(task, 1234);
    for (int i = 0; i < 4; i++) {
      String ctx = first.get(i);
      assertThat(ctx).endsWith("Q" + (i + 1) + ":");
      assertThat(ctx.split("Q" + (i + 1) + ":", -1)).hasSize(2); // its own question once, at the end
      for (int j = 0; j < 4; j++) {
        if (j != i) { // every other document, as "Qj: <gold choice>\n\n"
          assertThat(ctx).contains("Q" + (j + 1) + ": " + List.of("dd", "dd", "b", "aaaa").get(j) + "\n\n");
        }
      }
    }
    assertThat(contexts(task, 1234)).isEqualTo(first); // seeded: the same prompts every run
    assertThat(List.of(contexts(task, 1), contexts(task, 2), contexts(task, 3))).anyMatch(c -> !c.equals(first));
  }

  private static List<String> contexts(Task task, long seed) {
    FakeScorer scorer = new FakeScorer(4096);
    task.evaluate(scorer, BYTES, TaskOptions.builder().numFewshot(3).seed(seed).build());
    List<String> out = new ArrayList<>();
    for (LoglikelihoodRequest r : scorer.requests()) {
      String c = BYTES.decode(r.context());
      if (out.isEmpty() || !out.getLast().equals(c)) {
        out.add(c);
      }
    }
    return out;
  }

  @Test
  void arcDrawsFewShotExamplesFromItsTrainingSplit() {
    FakeScorer scorer = new FakeScorer(4096);
    Task.read(DIR.resolve("arc_easy.yaml")).evaluate(scorer, BYTES, TaskOptions.builder().numFewshot(2).limit(1).build());
    String ctx = BYTES.decode(scorer.requests().getFirst().context());
    List<String> train = List.of("Question: Which gas do plants take in?\nAnswer: carbon dioxide\n\n",
        "Question: What melts ice?\nAnswer: heat\n\n", "Question: What is 2 + 2?\nAnswer: 4\n\n");
    assertThat(train.stream().filter(ctx::contains)).hasSize(2);
    assertThat(ctx).endsWith("\n\nQuestion: Q1?\nAnswer:");
  }

  @Test
  void hellaswagContinuesTheQueryWithEachEnding() {
    FakeScorer scorer = new FakeScorer(4096);
    Task task = Task.read(DIR.resolve("hellaswag.yaml"));
    assertThat(task.size()).isEqualTo(2); // test_split: null, so the validation split
    TaskResult r = task.evaluate(scorer, BYTES);
    List<LoglikelihoodRequest> q = scorer.requests();
    assertThat(q).hasSize(8);
    assertThat(BYTES.decode(q.getFirst().context())).isEqualTo("Roof shingle removal: A man is sitting on a roof. He");
    assertThat(BYTES.decode(q.get(3).continuation())).isEqualTo(" starts pulling up roofing on a roof.");
    assertThat(r.items()).extracting(ItemResult::gold).containsExactly(3, 0); // "{{label}}" gave "3": a choice index
  }

  @Test
  void loglikelihoodTasksReportPerplexityAndGreedyAccuracy() {
    FakeScorer scorer = new FakeScorer(4096);
    TaskResult r = Task.read(DIR.resolve("lambada_openai.yaml")).evaluate(scorer, BYTES);
    assertThat(scorer.requests()).extracting(q -> BYTES.decode(q.context()) + "|" + BYTES.decode(q.continuation()))
        .containsExactly("the cat| sat", "a| dd");
    // " sat": 1 + 4 + 2 + 1 = 8 nats, "s" is not greedy; " dd": 3 nats, all greedy
    assertThat(r.items()).extracting(ItemResult::logprob).containsExactly(-8.0, -3.0);
    assertThat(r.metric("perplexity")).isCloseTo(Math.exp(5.5), within(1e-9));
    assertThat(r.metric("acc")).isEqualTo(0.5);
    assertThat(r.stderrs()).containsOnlyKeys("acc");
    assertThat(r.stderrs().get("acc")).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void rollingTasksSumTheirWindowsIntoWordAndBytePerplexity() {
    FakeScorer scorer = new FakeScorer(2);
    TaskResult r = Task.read(DIR.resolve("wikitext.yaml")).evaluate(scorer, BYTES);
    // "dad" (3 bytes, 1 word) costs 1 + 2 + 1 = 4; "ab c" (4 bytes, 2 words) 2 + 3 + 1 + 4 = 10
    assertThat(scorer.requests()).extracting(q -> List.of(BYTES.decode(q.context()), BYTES.decode(q.continuation())))
        .containsExactly(List.of("<|endoftext|>", "da"), List.of("da", "d"), // the last window: L tokens of context
            List.of("<|endoftext|>", "ab"), List.of("b", " c"));
    assertThat(r.items()).extracting(ItemResult::logprob).containsExactly(-4.0, -10.0);
    assertThat(r.items()).extracting(ItemResult::words).containsExactly(1L, 2L);
    assertThat(r.items()).extracting(ItemResult::bytes).containsExactly(3L, 4L);
    assertThat(r.metric("word_perplexity")).isCloseTo(Math.exp(14.0 / 3), within(1e-9));
    assertThat(r.metric("byte_perplexity")).isCloseTo(Math.exp(2.0), within(1e-12));
    assertThat(r.metric("bits_per_byte")).isCloseTo(2 / Math.log(2), within(1e-12));
    assertThat(r.stderrs()).isEmpty();
  }

  @Test
  void limitAndProgressCountRequestsInOneScorerCall() {
    FakeScorer scorer = new FakeScorer(4096);
    List<String> updates = new ArrayList<>();
    TaskResult r = Task.read(DIR.resolve("tiny.jsonl")).evaluate(scorer, BYTES,
        TaskOptions.builder().limit(2).progress((done, total) -> updates.add(done + "/" + total)).build());
    assertThat(r.n()).isEqualTo(2);
    assertThat(scorer.calls).hasSize(1);
    assertThat(updates).containsExactly("0/5", "5/5");
    assertThat(r.describe()).isEqualTo("tiny (multiple_choice, n=2, 0-shot): acc 0.5000 ± 0.5000, acc_norm 1.0000 ± 0.0000");
  }

  @Test
  void anEmptyContextIsThePrefixOrTheEndOfTextToken() throws IOException {
    Path yaml = tmp.resolve("empty.yaml");
    Files.writeString(tmp.resolve("d.jsonl"), "{\"t\": \"dd\"}\n");
    Files.writeString(yaml, """
        task: empty_context
        dataset_path: json
        dataset_kwargs: {data_files: {test: d.jsonl}}
        output_type: loglikelihood
        test_split: test
        doc_to_text: ""
        doc_to_target: t
        """);
    FakeScorer plain = new FakeScorer(64);
    Task.read(yaml).evaluate(plain, BYTES);
    assertThat(plain.requests().getFirst().context()).containsExactly(ByteTokenizer.EOT);
    FakeScorer bos = new FakeScorer(64);
    Task.read(yaml).evaluate(bos, new ByteTokenizer(true));
    assertThat(bos.requests().getFirst().context()).containsExactly(ByteTokenizer.BOS);
    assertThat(bos.requests().getFirst().continuation()).containsExactly('d', 'd');
  }

  @Test
  void describeSaysWhereTheDocumentsComeFrom() {
    String d = Task.read(DIR.resolve("arc_easy.yaml")).describe();
    assertThat(d).startsWith("arc_easy (multiple_choice, ").contains("documents: 4 (split 'test' of ")
        .contains("ARC-Easy").contains("few-shot: 0 from split 'train'").contains("metrics: acc, acc_norm")
        .contains("first prompt: \"Question: Q1?\\nAnswer:\" choices [\"a\", \"dd\", \"bc\"]");
  }
}
