package io.cpt4j.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrainableAndRegularizerTest {
  private static final List<String> NAMES = List.of("model.embed_tokens.weight", "model.layers.0.mlp.down_proj.weight",
      "model.layers.1.mlp.down_proj.weight", "model.layers.10.self_attn.o_proj.weight", "model.norm.weight",
      "lm_head.weight");

  @Test
  void allSelectsEveryNameInOrder() {
    assertThat(Trainable.all().select(NAMES)).isEqualTo(NAMES);
    assertThat(Trainable.all().describe()).isEqualTo("all");
  }

  @Test
  void layersMatchWholeIndicesOnly() {
    assertThat(Trainable.layers(1).select(NAMES)).containsExactly("model.layers.1.mlp.down_proj.weight");
    assertThat(Trainable.layers(10, 0).select(NAMES)).containsExactly("model.layers.0.mlp.down_proj.weight",
        "model.layers.10.self_attn.o_proj.weight");
  }

  @Test
  void embeddingsAndHeadPatternsCoverLlamaAndNeoxNames() {
    Trainable t = Trainable.matching(Trainable.EMBEDDINGS, Trainable.HEAD);
    assertThat(t.select(NAMES)).containsExactly("model.embed_tokens.weight", "lm_head.weight");
    assertThat(t.test("gpt_neox.embed_in.weight")).isTrue();
    assertThat(t.test("embed_out.weight")).isTrue();
  }

  @Test
  void aPatternMatchingNothingIsRefusedNamingIt() {
    assertThatThrownBy(() -> Trainable.matching(".*\\.mlpp\\..*", ".*mlp.*").select(NAMES))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trainable pattern '.*\\.mlpp\\..*' matches no parameter")
        .hasMessageContaining("model.layers.0.mlp.down_proj.weight");
    assertThatThrownBy(() -> Trainable.matching("(")).hasMessageContaining("is not a valid regular expression");
    assertThatThrownBy(() -> Trainable.layers()).hasMessage("name at least one layer");
  }

  @Test
  void regularizersValidateAndDescribe() {
    Regularizer kl = Regularizer.kl(0.5).temperature(2).onSources("general");
    assertThat(kl.describe()).isEqualTo("kl (weight 0.5, temperature 2.0, sources [general])");
    assertThat(kl.appliesTo("general")).isTrue();
    assertThat(kl.appliesTo("code")).isFalse();
    assertThat(kl.appliesTo("general/train")).isTrue(); // the train side of a split source
    assertThat(kl.appliesTo("general/validation")).isFalse();
    assertThat(Regularizer.logitSwap(1).appliesTo("code")).isTrue();
    assertThat(Regularizer.Kind.of("logit-swap")).isEqualTo(Regularizer.Kind.LOGIT_SWAP);
    assertThatThrownBy(() -> Regularizer.Kind.of("ewc")).hasMessage("unknown regularizer type 'ewc': use kl, "
        + "logit_swap or l2");
    assertThatThrownBy(() -> Regularizer.kl(0)).hasMessage("kl regularizer weight must be finite and > 0, got 0.0");
    assertThatThrownBy(() -> new Regularizer(Regularizer.Kind.L2, 1, 1, Set.of("general")))
        .hasMessageContaining("the l2 regularizer acts on the weights once per step");
  }

  @Test
  void batchesCarryRowSourcesThroughCopies() {
    Batch b = Batch.causalLm(new int[][] {{1, 2, 3}, {4, 5, 6}}).withRowSources(List.of("general", "code"));
    assertThat(b.withWeights(new float[4]).rowSources()).containsExactly("general", "code");
    assertThatThrownBy(() -> b.withRowSources(List.of("general")))
        .hasMessage("rowSources has 1 entries, the batch 2 rows");
  }
}
