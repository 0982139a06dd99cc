package io.cpt4j.eval.internal.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.eval.LoglikelihoodRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness's truncation rule, {@code (context + continuation)[-(max_length + 1):][:-1]}, and the id checks. */
class WindowTest {
  private static Window one(int[] context, int[] continuation, int max) {
    return Window.of(List.of(new LoglikelihoodRequest(context, continuation)), max, 100).getFirst();
  }

  @Test
  void aShortRequestIsFedWholeWithoutItsLastToken() {
    Window w = one(new int[] {1, 2, 3}, new int[] {4, 5}, 8);
    assertThat(w.input()).containsExactly(1, 2, 3, 4);
    assertThat(w.firstScored()).isEqualTo(2); // positions 2 and 3 predict 4 and 5
  }

  @Test
  void aRequestOfExactlyMaxPlusOneTokensIsNotCut() {
    Window w = one(new int[] {1, 2, 3, 4, 5, 6}, new int[] {7, 8, 9}, 8);
    assertThat(w.input()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
  }

  @Test
  void aLongRequestLosesContextFromTheLeftAndKeepsItsContinuation() {
    Window w = one(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, new int[] {11, 12, 13}, 8);
    assertThat(w.input()).containsExactly(5, 6, 7, 8, 9, 10, 11, 12);
    assertThat(w.firstScored()).isEqualTo(5);
    assertThat(w.continuation()).containsExactly(11, 12, 13);
  }

  @Test
  void aContinuationAsLongAsTheContextKeepsOneContextToken() {
    Window w = one(new int[] {1, 2, 3}, new int[] {4, 5, 6, 7}, 4);
    assertThat(w.input()).containsExactly(3, 4, 5, 6);
    assertThat(w.firstScored()).isZero();
  }

  @Test
  void aContinuationLongerThanTheContextIsRefusedNamingTheRequest() {
    List<LoglikelihoodRequest> requests = List.of(new LoglikelihoodRequest(new int[] {1}, new int[] {2}),
        new LoglikelihoodRequest(new int[] {1}, new int[] {2, 3, 4, 5, 6}));
    assertThatThrownBy(() -> Window.of(requests, 4, 100)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("request 1: its continuation of 5 tokens is longer than the model's context of 4 tokens");
  }

  @Test
  void idsOutsideTheVocabularyAreRefusedNamingTheId() {
    assertThatThrownBy(() -> one(new int[] {1, 100}, new int[] {2}, 8)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("request 0: context token 1 has id 100, outside the model's vocabulary [0, 100)");
    assertThatThrownBy(() -> one(new int[] {1}, new int[] {2, -3}, 8)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("request 0: continuation token 1 has id -3, outside the model's vocabulary [0, 100)");
  }
}
