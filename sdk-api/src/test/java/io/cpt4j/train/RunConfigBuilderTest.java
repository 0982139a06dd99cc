package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.backend.AdamW;
import io.cpt4j.backend.Precision;
import io.cpt4j.data.Mixture;
import io.cpt4j.data.Source;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RunConfig is built, copied with newBuilder, and ContinualPretrainer collects it through the builder. */
class RunConfigBuilderTest {
  private static final Source CODE = Source.text("data/code");
  private static final Source WEB = Source.text("data/web");

  /** Every field away from its default. */
  private static RunConfig everyFieldSet() {
    return RunConfig.builder().base(Path.of("base")).tokenizer(Path.of("tok.json"))
        .schedule(Rewarm.to(3e-4).warmupSteps(10).cosineTo(3e-5)).mixture(Mixture.of(CODE, 1.0)).tokens(1000)
        .steps(7).sequenceLength(16).batchTokens(64).microBatchTokens(32)
        .optimizer(AdamW.builder().weightDecay(0.01).build()).precision(Precision.FP16_MIXED)
        .activationCheckpointing(true).backend("cpu:3").validation("code", CODE).validationTokens(128)
        .task(Path.of("arc.yaml")).taskLimit(50).evaluateEvery(2).checkpointEvery(3).keepLastCheckpoints(4).seed(5).output(Path.of("out"))
        .dataCache(Path.of("cache")).maxBadSteps(6).specialTokens(false).predictFinalLoss(false)
        .branchOf(new BranchPoint(Path.of("main"), 4, 640)).trainable(io.cpt4j.backend.Trainable.layers(1))
        .regularize(io.cpt4j.backend.Regularizer.kl(0.5).onSources("code")).build();
  }

  private static List<Field> fields() {
    return Arrays.stream(RunConfig.class.getDeclaredFields()).filter(f -> !Modifier.isStatic(f.getModifiers()))
        .peek(f -> f.setAccessible(true)).toList();
  }

  @Test
  void theBuilderHoldsTheDocumentedDefaults() {
    RunConfig d = RunConfig.builder().build();
    assertThat(d.optimizer()).isEqualTo(AdamW.defaults());
    assertThat(d.precision()).isEqualTo(Precision.FP32);
    assertThat(d.backend()).isEqualTo("cpu");
    assertThat(d.specialTokens()).isTrue();
    assertThat(d.predictFinalLoss()).isTrue();
    assertThat(d.activationCheckpointing()).isFalse();
    assertThat(d.validation()).isEmpty();
    assertThat(d.tasks()).isEmpty();
    assertThat(d.taskLimit()).isZero();
    assertThat(d.trainable().isAll()).isTrue();
    assertThat(d.regularizers()).isEmpty();
    assertThat(List.of(d.tokens(), d.steps(), (long) d.sequenceLength(), d.batchTokens(), d.microBatchTokens(),
        d.validationTokens(), d.evaluateEvery(), d.checkpointEvery(), (long) d.keepLastCheckpoints(), d.seed(),
        (long) d.maxBadSteps())).containsOnly(0L);
    assertThat(Arrays.asList(d.base(), d.tokenizer(), d.schedule(), d.mixture(), d.output(), d.dataCache(),
        d.branchOf()))
        .containsOnlyNulls();
  }

  @Test
  void newBuilderCopiesEveryField() throws IllegalAccessException {
    RunConfig c = everyFieldSet();
    RunConfig defaults = RunConfig.builder().build();
    RunConfig copy = c.newBuilder().build();
    for (Field f : fields()) {
      assertThat(f.get(c)).as("%s is set away from its default by the test", f.getName()).isNotEqualTo(f.get(defaults));
      assertThat(f.get(copy)).as(f.getName()).isEqualTo(f.get(c));
    }
    assertThat(copy).isEqualTo(c).hasSameHashCodeAs(c).hasToString(c.toString());
  }

  @Test
  void aModifiedCopyLeavesTheOriginalAlone() {
    RunConfig c = everyFieldSet();
    RunConfig.Builder b = c.newBuilder().steps(99).validation("web", WEB);
    RunConfig changed = b.build();
    b.steps(100).validation(Map.of());
    assertThat(c.steps()).isEqualTo(7);
    assertThat(c.validation()).containsOnlyKeys("code");
    assertThat(changed.steps()).isEqualTo(99);
    assertThat(changed.validation().keySet()).containsExactly("code", "web");
    assertThat(changed).isNotEqualTo(c);
    assertThatThrownBy(() -> changed.validation().put("x", WEB)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void validationSetsKeepTheirOrderAndNamesAreUnique() {
    RunConfig.Builder b = RunConfig.builder().validation("web", WEB).validation("code", CODE);
    assertThat(b.build().validation().keySet()).containsExactly("web", "code");
    assertThatThrownBy(() -> b.validation("web", CODE)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("validation set 'web' is already defined");
    assertThatThrownBy(() -> b.schedule(null)).isInstanceOf(NullPointerException.class).hasMessage("schedule");
  }

  @Test
  void theFluentTrainerCollectsTheSameConfigurationAsTheBuilder() {
    RunConfig c = everyFieldSet();
    ContinualPretrainer p = ContinualPretrainer.from(c.base()).tokenizer(c.tokenizer()).rewarm(c.schedule())
        .data(CODE).tokens(c.tokens()).steps(c.steps()).sequenceLength(c.sequenceLength())
        .batchTokens(c.batchTokens()).microBatchTokens(c.microBatchTokens()).optimizer(c.optimizer())
        .precision(c.precision()).activationCheckpointing(true).backend(c.backend()).validateOn("code", CODE)
        .validationTokens(c.validationTokens()).evaluateTasks(Path.of("arc.yaml")).taskLimit(c.taskLimit())
        .evaluateEvery(c.evaluateEvery()).checkpointEvery(c.checkpointEvery())
        .keepLastCheckpoints(c.keepLastCheckpoints()).seed(c.seed()).output(c.output()).dataCache(c.dataCache())
        .maxBadSteps(c.maxBadSteps()).specialTokens(false).predictFinalLoss(false).trainOnly(c.trainable())
        .regularize(c.regularizers().getFirst());
    // a branch point is set through ContinualPretrainer.branch (DecayBranch) or a RunConfig, not fluently
    assertThat(p.config()).isEqualTo(c.newBuilder().branchOf(null).build());
    assertThat(ContinualPretrainer.from(c).config()).isEqualTo(c);
    assertThat(ContinualPretrainer.from(c).steps(8).config()).isEqualTo(c.newBuilder().steps(8).build());
    assertThat(ContinualPretrainer.from(Path.of("base")).config())
        .isEqualTo(RunConfig.builder().base(Path.of("base")).build());
    assertThatThrownBy(() -> p.validateOn("code", WEB)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("validation set 'code' is already defined");
  }
}
