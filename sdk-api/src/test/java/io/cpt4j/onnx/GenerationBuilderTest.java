package io.cpt4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Generation: the builder holds the documented defaults, greedy(n) is a build, newBuilder copies. */
class GenerationBuilderTest {
  @Test
  void greedyIsABuildWithTheDefaults() {
    Generation g = Generation.greedy(12);
    assertThat(g).isEqualTo(Generation.builder().maxNewTokens(12).build());
    assertThat(g.maxNewTokens()).isEqualTo(12);
    assertThat(g.temperature()).isZero();
    assertThat(g.topK()).isZero();
    assertThat(g.topP()).isEqualTo(1.0);
    assertThat(g.seed()).isZero();
    assertThat(g.stopTokens()).as("null: the model's EOS ids").isNull();
    assertThat(g.repetitionPenalty()).isEqualTo(1.0);
    assertThat(g.isGreedy()).isTrue();
  }

  @Test
  void newBuilderCopiesEverySetting() {
    Generation g = Generation.builder().maxNewTokens(5).temperature(0.7).topK(20).topP(0.8).seed(3)
        .stopTokens(List.of(1, 2)).repetitionPenalty(1.1).build();
    assertThat(g.isGreedy()).isFalse();
    assertThat(g.newBuilder().build()).isEqualTo(g);
    Generation reseeded = g.newBuilder().seed(4).build();
    assertThat(reseeded.seed()).isEqualTo(4);
    assertThat(reseeded.newBuilder().seed(3).build()).isEqualTo(g);
    assertThat(g.newBuilder().stopTokens(null).build().stopTokens()).isNull();
  }

  @Test
  void theStopListIsCopiedAtBuild() {
    List<Integer> stops = new ArrayList<>(List.of(7));
    Generation.Builder b = Generation.builder().maxNewTokens(3).stopTokens(stops);
    Generation g = b.build();
    stops.add(8);
    assertThat(g.stopTokens()).containsExactly(7);
    assertThat(b.build().stopTokens()).containsExactly(7, 8);
  }

  @Test
  void buildNamesTheFirstSettingOutOfRange() {
    assertThatThrownBy(() -> Generation.builder().build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxNewTokens must be at least 1, got 0");
    assertThatThrownBy(() -> Generation.greedy(4).newBuilder().topP(0).build())
        .hasMessage("topP must be in (0, 1], got 0.0");
  }
}
