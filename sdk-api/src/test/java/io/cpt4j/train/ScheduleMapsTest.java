package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScheduleMapsTest {
  static final List<LrSchedule> EXAMPLES = List.of(
      LrSchedule.constant(1e-4),
      Rewarm.to(2e-4).from(1e-5).warmupFraction(0.02).constant(),
      Rewarm.to(3e-4).warmupFraction(0.01).cosineTo(3e-5),
      Rewarm.to(3e-4).warmupSteps(500).linearTo(0),
      Rewarm.to(3e-4).decayTo(3e-6, DecayShape.EXPONENTIAL),
      Rewarm.to(1e-3).warmupSteps(400).inverseSqrt(),
      Rewarm.to(1e-3).inverseSqrt(2_000),
      Rewarm.to(4e-4).warmupSteps(100).stableThenDecay(Span.fraction(0.2), DecayShape.ONE_MINUS_SQRT, 0),
      Rewarm.to(4e-4).warmupFraction(0.005).stableThenDecay(Span.steps(300), DecayShape.COSINE, 4e-5),
      Rewarm.to(3e-4).warmupSteps(100).cooldownTo(1e-4, 1_000),
      Rewarm.to(3e-4).warmupSteps(100).cooldownTo(1e-4, 1_000).withAnneal(3e-6, 500),
      Rewarm.to(3e-4).warmupSteps(100).cooldownTo(1e-4, 1_000).withAnneal(0, 500, DecayShape.LINEAR)
          .withAnnealStart(9_000),
      new DecaySchedule(3e-4, 4_000, 500, DecayShape.ONE_MINUS_SQRT, 0),
      new DecaySchedule(1e-3, 0, 1, DecayShape.EXPONENTIAL, 1e-5));

  @Test
  void everyScheduleReadsBackFromItsMapAsAnEqualSchedule() {
    for (LrSchedule s : EXAMPLES) {
      Map<String, Object> map = s.toMap();
      assertThat(LrSchedule.fromMap(map)).as(s.describe()).isEqualTo(s);
      assertThat(map.values()).allSatisfy(v -> assertThat(v).isInstanceOfAny(String.class, Double.class, Long.class));
    }
  }

  @Test
  void theMapOfTheDesignExampleIsPlainData() {
    assertThat(Rewarm.to(3e-4).warmupFraction(0.01).cosineTo(3e-5).toMap()).containsExactly(
        entry("type", "warmup-decay"), entry("maxLr", 3e-4), entry("minLr", 3e-5), entry("shape", "cosine"),
        entry("startLr", 0.0), entry("warmupFraction", 0.01));
  }

  @Test
  void readsWhatAYamlParserProduces() {
    // integers for whole numbers, strings for "3e-4" (YAML 1.1), BigDecimal or Double for decimals
    Map<String, Object> yaml = new HashMap<>();
    yaml.put("type", "warmup-stable-decay");
    yaml.put("maxLr", "3e-4");
    yaml.put("minLr", 0);
    yaml.put("shape", "1-sqrt");
    yaml.put("decayFraction", new BigDecimal("0.2"));
    yaml.put("warmupSteps", 100);
    assertThat(LrSchedule.fromMap(yaml)).isEqualTo(
        Rewarm.to(3e-4).warmupSteps(100).stableThenDecay(Span.fraction(0.2), DecayShape.ONE_MINUS_SQRT, 0));
    assertThat(LrSchedule.fromMap(Map.of("type", "constant", "lr", 1e-4, "warmupSteps", 10.0)))
        .isEqualTo(Rewarm.to(1e-4).warmupSteps(10).constant());
  }

  @Test
  void optionalFieldsTakeTheirDefaults() {
    assertThat(LrSchedule.fromMap(Map.of("type", "warmup-decay", "maxLr", 1e-3, "minLr", 1e-4)))
        .isEqualTo(Rewarm.to(1e-3).cosineTo(1e-4));
    assertThat(LrSchedule.fromMap(Map.of("type", "infinite", "maxLr", 1e-3, "constantLr", 1e-4, "cooldownSteps", 50)))
        .isEqualTo(Rewarm.to(1e-3).cooldownTo(1e-4, 50));
    assertThat(LrSchedule.fromMap(Map.of("type", "inverse-sqrt", "maxLr", 1e-3)))
        .isEqualTo(Rewarm.to(1e-3).inverseSqrt());
  }

  private static void rejects(Map<String, ?> map, String... parts) {
    var a = assertThatThrownBy(() -> LrSchedule.fromMap(map)).isInstanceOf(IllegalArgumentException.class);
    for (String p : parts) {
      a.hasMessageContaining(p);
    }
  }

  @Test
  void errorsNameTheField() {
    rejects(Map.of("maxLr", 1e-3), "'type'", "missing");
    rejects(Map.of("type", "cosine", "maxLr", 1e-3), "unknown schedule type 'cosine'", "warmup-decay");
    rejects(Map.of("type", "warmup-decay", "minLr", 1e-4), "'maxLr'", "missing");
    rejects(Map.of("type", "warmup-decay", "maxlr", 1e-3, "minLr", 1e-4), "'maxLr'", "missing", "found 'maxlr'");
    rejects(Map.of("type", "warmup-decay", "maxLr", 1e-3, "minLr", 1e-4, "warmup", 0.01), "unknown", "'warmup'",
        "warmupFraction");
    rejects(Map.of("type", "warmup-decay", "maxLr", "fast", "minLr", 1e-4), "'maxLr'", "a number", "\"fast\"");
    rejects(Map.of("type", "warmup-decay", "maxLr", -1e-3, "minLr", 1e-4), "'maxLr'", ">= 0");
    rejects(Map.of("type", "warmup-decay", "maxLr", 1e-3, "minLr", 1e-2), "minLr", "maxLr");
    rejects(Map.of("type", "warmup-decay", "maxLr", 1e-3, "minLr", 1e-4, "shape", "step"), "'shape'", "unknown decay shape");
    rejects(Map.of("type", "constant", "lr", 1e-3, "warmupSteps", 1.5), "'warmupSteps'", "whole number");
    rejects(Map.of("type", "constant", "lr", 1e-3, "warmupSteps", -3), "'warmupSteps'", "whole number");
    rejects(Map.of("type", "constant", "lr", 1e-3, "warmupSteps", 3, "warmupFraction", 0.1), "exclusive");
    rejects(Map.of("type", "constant", "lr", 1e-3, "warmupFraction", 2), "'warmupFraction'", "[0, 1]");
    rejects(Map.of("type", "warmup-stable-decay", "maxLr", 1e-3, "minLr", 0, "shape", "linear"),
        "'decaySteps' or 'decayFraction'", "missing");
    rejects(Map.of("type", "warmup-stable-decay", "maxLr", 1e-3, "minLr", 0, "decaySteps", 5), "'shape'", "missing");
    rejects(Map.of("type", "infinite", "maxLr", 1e-3, "constantLr", 1e-4), "'cooldownSteps'", "missing");
    rejects(Map.of("type", "infinite", "maxLr", 1e-3, "constantLr", 1e-4, "cooldownSteps", 5, "annealSteps", 10),
        "'minLr'", "missing");
    Map<String, Object> twoUnknown = new LinkedHashMap<>(Map.of("type", "constant", "lr", 1e-3));
    twoUnknown.put("a", 1);
    twoUnknown.put("b", 2);
    rejects(twoUnknown, "unknown schedule fields 'a', 'b'");
  }
}
