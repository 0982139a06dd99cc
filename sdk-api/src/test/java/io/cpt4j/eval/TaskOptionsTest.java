package io.cpt4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** {@link TaskOptions}' defaults and checks, and {@link TaskResult}'s accessors. */
class TaskOptionsTest {

  @Test
  void defaultsAreEveryDocumentTheTasksShotsAndSeed1234() {
    TaskOptions o = TaskOptions.defaults();
    assertThat(o.limit()).isEmpty();
    assertThat(o.numFewshot()).isEmpty();
    assertThat(o.seed()).isEqualTo(1234);
    assertThat(o.progress()).isSameAs(TaskOptions.Progress.NONE);
  }

  @Test
  void aModifiedCopyLeavesTheOriginal() {
    TaskOptions o = TaskOptions.builder().limit(10).numFewshot(5).seed(7).build();
    TaskOptions copy = o.newBuilder().noLimit().taskFewshot().build();
    assertThat(o.limit()).isEqualTo(OptionalInt.of(10));
    assertThat(o.numFewshot()).isEqualTo(OptionalInt.of(5));
    assertThat(copy.limit()).isEmpty();
    assertThat(copy.numFewshot()).isEmpty();
    assertThat(copy.seed()).isEqualTo(7);
  }

  @Test
  void outOfRangeOptionsAreNamed() {
    assertThatThrownBy(() -> TaskOptions.builder().limit(0).build()).hasMessage("limit must be >= 1, got 0");
    assertThatThrownBy(() -> TaskOptions.builder().numFewshot(-1).build()).hasMessage("numFewshot must be >= 0, got -1");
  }

  @Test
  void aResultNamesTheMetricsItHas() {
    ItemResult item = new ItemResult(0, List.of(-1.0, -2.0), List.of(true, false), List.of(1, 1), 0, 0, 0, 0, 0);
    TaskResult r = new TaskResult("t", TaskType.MULTIPLE_CHOICE, 1, 0, Map.of("acc", 1.0), Map.of(), List.of(item));
    assertThat(r.metric("acc")).isEqualTo(1.0);
    assertThat(item.correct()).isTrue();
    assertThat(item.logprob()).isEqualTo(-1.0);
    assertThatThrownBy(() -> r.metric("acc_norm")).hasMessage("task 't' has no metric 'acc_norm' (it has acc)");
    assertThat(r.describe()).isEqualTo("t (multiple_choice, n=1, 0-shot): acc 1.0000");
    assertThat(TaskType.ofYamlName("loglikelihood_rolling")).contains(TaskType.LOGLIKELIHOOD_ROLLING);
    assertThat(TaskType.ofYamlName("generate_until")).contains(TaskType.GENERATE_UNTIL);
    assertThat(TaskType.ofYamlName("greedy_until")).isEmpty();
  }

  @Test
  void aGenerationItemHasItsAnswerAndNoLoglikelihoods() {
    ItemResult item = ItemResult.ofGeneration(3, new GeneratedText("42", 2, Map.of("none", "42"), "42"));
    assertThat(item.loglikelihoods()).isEmpty();
    assertThat(item.logprob()).isNaN();
    assertThat(item.correct()).isFalse();
    assertThat(item.generated().filtered()).containsEntry("none", "42");
    assertThatThrownBy(() -> new ItemResult(0, List.of(), List.of(), List.of(), -1, -1, -1, 0, 0))
        .hasMessageContaining("one entry each per request");
  }

  @Test
  void aGenerationRequestFinishesAtAStopTokenTheUntilTestOrItsLength() {
    GenerationRequest r = new GenerationRequest(new int[] {1, 5}, 3, List.of(2), g -> g[g.length - 1] == 7);
    assertThat(r.finished(new int[0])).isFalse();
    assertThat(r.finished(new int[] {4})).isFalse();
    assertThat(r.finished(new int[] {4, 2})).isTrue();
    assertThat(r.finished(new int[] {4, 7})).isTrue();
    assertThat(r.finished(new int[] {4, 5, 6})).isTrue();
    assertThatThrownBy(() -> new GenerationRequest(new int[0], 3, List.of(), null)).hasMessageContaining("context");
    assertThatThrownBy(() -> new GenerationRequest(new int[] {1}, 0, List.of(), null))
        .hasMessage("maxTokens must be at least 1, got 0");
  }
}
