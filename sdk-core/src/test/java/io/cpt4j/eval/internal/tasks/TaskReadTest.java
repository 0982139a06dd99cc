package io.cpt4j.eval.internal.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.eval.Task;
import io.cpt4j.eval.TaskException;
import io.cpt4j.eval.TaskOptions;
import io.cpt4j.eval.TaskResult;
import io.cpt4j.eval.TaskType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where task files find their data and settings: includes, split files, JSON arrays. */
class TaskReadTest {
  private static final ByteTokenizer BYTES = new ByteTokenizer(false);
  @TempDir Path tmp;

  @Test
  void everyFixtureReads() {
    for (String f : List.of("arc_easy.yaml", "hellaswag.yaml", "lambada_openai.yaml", "wikitext.yaml",
        "mmlu_astronomy.yaml", "tiny.jsonl")) {
      Task t = Task.read(TaskEvaluationTest.DIR.resolve(f));
      assertThat(t.size()).as(f).isPositive();
    }
    assertThat(Task.read(TaskEvaluationTest.DIR.resolve("wikitext.yaml")).outputType())
        .isEqualTo(TaskType.LOGLIKELIHOOD_ROLLING);
  }

  @Test
  void anIncludedFilesKeysAreOverriddenAndItsPathsStartAtItsOwnDirectory() throws IOException {
    Files.createDirectories(tmp.resolve("base/data"));
    Files.createDirectories(tmp.resolve("tasks"));
    Files.writeString(tmp.resolve("base/data/test.jsonl"), "{\"context\": \"Q:\", \"choices\": [\"a\", \"b\"], \"gold\": 1}\n");
    Files.writeString(tmp.resolve("base/common.yaml"), """
        dataset_path: data
        output_type: multiple_choice
        test_split: test
        doc_to_text: context
        doc_to_choice: choices
        doc_to_target: gold
        num_fewshot: 5
        """);
    Files.writeString(tmp.resolve("tasks/mine.yaml"), "include: ../base/common.yaml\ntask: mine\nnum_fewshot: 0\n");
    Task t = Task.read(tmp.resolve("tasks/mine.yaml"));
    assertThat(t.name()).isEqualTo("mine");
    assertThat(t.numFewshot()).isZero();
    assertThat(t.evaluate(new FakeScorer(64), BYTES).items().getFirst().gold()).isEqualTo(1);
  }

  @Test
  void splitsAreFoundByTheirFileNames() throws IOException {
    Files.createDirectories(tmp.resolve("ds"));
    Files.writeString(tmp.resolve("ds/dev.jsonl"), "{\"text\": \"dd\"}\n{\"text\": \"a\"}\n");
    Files.writeString(tmp.resolve("ds/test-00000-of-00001.jsonl"), "{\"text\": \"h\"}\n");
    Files.writeString(tmp.resolve("t.yaml"), """
        task: t
        dataset_path: ds
        output_type: loglikelihood_rolling
        validation_split: validation
        doc_to_target: text
        """);
    assertThat(Task.read(tmp.resolve("t.yaml")).size()).isEqualTo(2); // validation is dev.jsonl
    Files.writeString(tmp.resolve("t.yaml"), Files.readString(tmp.resolve("t.yaml")) + "test_split: test\n");
    assertThat(Task.read(tmp.resolve("t.yaml")).size()).isEqualTo(1); // the test split goes first
    Files.writeString(tmp.resolve("t.yaml"), Files.readString(tmp.resolve("t.yaml")).replace("test_split: test", "test_split: tst"));
    assertThatThrownBy(() -> Task.read(tmp.resolve("t.yaml"))).isInstanceOf(TaskException.class)
        .hasMessageContaining("t.yaml:6: test_split: no files for split 'tst' in " + tmp.resolve("ds"));
  }

  @Test
  void aJsonArrayFileIsASplitToo() throws IOException {
    Files.writeString(tmp.resolve("d.json"), "[\n  {\"context\": \"Q:\", \"choices\": [\"a\"], \"gold\": 0},\n"
        + "  {\"context\": \"Q:\", \"choices\": [\"a\"], \"gold\": 3}\n]\n");
    Files.writeString(tmp.resolve("t.yaml"), """
        task: t
        dataset_path: d.json
        output_type: multiple_choice
        test_split: train
        doc_to_text: context
        doc_to_choice: choices
        doc_to_target: gold
        """);
    assertThatThrownBy(() -> Task.read(tmp.resolve("t.yaml"))).isInstanceOf(TaskException.class)
        .hasMessageContaining("d.json:3: doc_to_target (" + tmp.resolve("t.yaml") + ":7): gold 3 is out of range");
  }

  @Test
  void aMissingFewShotSplitMattersOnlyWhenExamplesAreAskedFor() throws IOException {
    Files.createDirectories(tmp.resolve("ds"));
    Files.writeString(tmp.resolve("ds/test.jsonl"), "{\"context\": \"Q:\", \"choices\": [\"a\"], \"gold\": 0}\n");
    Files.writeString(tmp.resolve("t.yaml"), """
        task: t
        dataset_path: ds
        output_type: multiple_choice
        training_split: train
        test_split: test
        doc_to_text: context
        doc_to_choice: choices
        doc_to_target: gold
        """);
    Task t = Task.read(tmp.resolve("t.yaml"));
    TaskResult r = t.evaluate(new FakeScorer(64), BYTES);
    assertThat(r.n()).isEqualTo(1);
    assertThatThrownBy(() -> t.evaluate(new FakeScorer(64), BYTES, TaskOptions.builder().numFewshot(1).build()))
        .isInstanceOf(TaskException.class).hasMessageContaining("t.yaml:4: training_split: few-shot split 'train': "
            + "no files for split 'train' in " + tmp.resolve("ds"));
  }

  @Test
  void aDataFilesEntryThatIsNotThereIsRefusedWhenRead() throws IOException {
    Files.writeString(tmp.resolve("test.jsonl"), "{\"context\": \"Q:\", \"choices\": [\"a\"], \"gold\": 0}\n");
    Files.writeString(tmp.resolve("t.yaml"), """
        task: t
        dataset_path: json
        dataset_kwargs:
          data_files:
            test: test.jsonl
            train: missing.jsonl
        output_type: multiple_choice
        test_split: test
        doc_to_text: context
        doc_to_choice: choices
        doc_to_target: gold
        """);
    assertThatThrownBy(() -> Task.read(tmp.resolve("t.yaml"))).isInstanceOf(TaskException.class)
        .hasMessageContaining("t.yaml:6: dataset_kwargs.data_files.train: no such data file " + tmp.resolve("missing.jsonl"));
  }

  @Test
  void rollingTasksRefuseFewShotExamples() {
    Task t = Task.read(TaskEvaluationTest.DIR.resolve("wikitext.yaml"));
    assertThatThrownBy(() -> t.evaluate(new FakeScorer(64), BYTES, TaskOptions.builder().numFewshot(1).build()))
        .isInstanceOf(TaskException.class).hasMessageContaining("take no few-shot examples");
    assertThat(t.evaluate(new FakeScorer(64), BYTES, TaskOptions.builder().numFewshot(0).build()).numFewshot()).isZero();
    assertThat(TaskOptions.defaults().numFewshot()).isEqualTo(OptionalInt.empty());
  }
}
