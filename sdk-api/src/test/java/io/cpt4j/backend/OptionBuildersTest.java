package io.cpt4j.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.data.ShardOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * AdamW, LossScaling, SessionOptions and ShardOptions: builders hold the documented defaults,
 * newBuilder copies.
 */
class OptionBuildersTest {
  @Test
  void adamWDefaultsAreTheBuildersAndNewBuilderCopiesEverySetting() {
    assertThat(AdamW.defaults()).isEqualTo(new AdamW(0.9, 0.95, 1e-8, 0.1, true, 1.0));
    AdamW a = AdamW.builder().beta1(0.8).beta2(0.9).eps(1e-3).weightDecay(0.2).decayEmbeddings(false).maxGradNorm(0)
        .build();
    assertThat(a).isEqualTo(new AdamW(0.8, 0.9, 1e-3, 0.2, false, 0));
    assertThat(a.newBuilder().build()).isEqualTo(a);
    assertThat(a.newBuilder().weightDecay(0).build()).isEqualTo(new AdamW(0.8, 0.9, 1e-3, 0, false, 0));
    assertThatThrownBy(() -> AdamW.builder().beta2(1).build()).hasMessage("beta2 must be in [0, 1), got 1.0");
  }

  @Test
  void lossScalingDefaultsArePyTorchsAndNewBuilderCopiesEverySetting() {
    LossScaling d = LossScaling.defaults();
    assertThat(List.of(d.initialScale(), d.growthFactor(), d.backoffFactor(), (double) d.growthInterval()))
        .containsExactly(65536.0, 2.0, 0.5, 2000.0);
    LossScaling s = LossScaling.builder().initialScale(1024).growthFactor(4).backoffFactor(0.25).growthInterval(5)
        .build();
    assertThat(List.of(s.initialScale(), s.growthFactor(), s.backoffFactor(), (double) s.growthInterval()))
        .containsExactly(1024.0, 4.0, 0.25, 5.0);
    assertThat(s.newBuilder().build()).isEqualTo(s);
    LossScaling slower = s.newBuilder().growthInterval(6).build();
    assertThat(slower.growthInterval()).isEqualTo(6);
    assertThat(slower.newBuilder().growthInterval(5).build()).isEqualTo(s);
    assertThatThrownBy(() -> LossScaling.builder().backoffFactor(1).build())
        .hasMessage("backoffFactor must be in (0, 1), got 1.0");
  }

  @Test
  void sessionOptionsDefaultsAreTheBuildersAndNewBuilderCopiesEveryOption() {
    SessionOptions d = SessionOptions.defaults();
    assertThat(d).isEqualTo(new SessionOptions(Precision.FP32, AdamW.defaults(), LossScaling.defaults(), false, 0,
        Trainable.all(), List.of()));
    SessionOptions o = SessionOptions.builder().precision(Precision.FP16_MIXED).optimizer(AdamW.builder().eps(1e-6)
        .build()).lossScaling(LossScaling.builder().initialScale(1024).growthInterval(5).build())
        .activationCheckpointing(true).seed(3).trainable(Trainable.layers(1, 0))
        .regularizers(List.of(Regularizer.kl(0.5).temperature(2).onSources("general"), Regularizer.l2(0.1))).build();
    assertThat(o.newBuilder().build()).isEqualTo(o);
    assertThat(o.newBuilder().seed(4).build()).isEqualTo(
        new SessionOptions(Precision.FP16_MIXED, o.optimizer(), o.lossScaling(), true, 4, o.trainable(),
            o.regularizers()));
    assertThat(o.trainable().patterns()).containsExactly(".*\\.layers\\.(0|1)\\..*");
    assertThatThrownBy(() -> SessionOptions.builder().regularizers(List.of(Regularizer.kl(1), Regularizer.kl(2)))
        .build()).hasMessage("two kl regularizers: give one of each kind");
    assertThatThrownBy(() -> SessionOptions.builder().precision(null)).hasMessage("precision");
  }

  @Test
  void shardOptionsDefaultsAreTheBuildersAndNewBuilderCopiesEveryOption() {
    assertThat(ShardOptions.defaults())
        .isEqualTo(new ShardOptions(Runtime.getRuntime().availableProcessors(), 256, 1L << 28, null));
    ShardOptions s = ShardOptions.builder().threads(2).batchDocuments(7).maxShardTokens(500).metadataTemplate("{url}")
        .build();
    assertThat(s.newBuilder().build()).isEqualTo(s);
    assertThat(s.newBuilder().metadataTemplate(null).build()).isEqualTo(new ShardOptions(2, 7, 500, null));
    assertThatThrownBy(() -> s.newBuilder().threads(0).build()).hasMessage("threads must be >= 1, got 0");
  }
}
