package io.cpt4j.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every method is declared once; records, defaults and the rule's knobs follow from the declaration. */
class MethodDeclarationTest {

  @Test
  void everyMethodIsDeclaredOnceInDocumentedOrder() {
    assertThat(MergeMethod.declarations()).extracting(MethodDeclaration::name).containsExactly("linear",
        "task_arithmetic", "ties", "dare_linear", "dare_ties", "breadcrumbs", "breadcrumbs_ties", "della",
        "della_linear", "sce", "ram", "ramplus_tl", "slerp", "nuslerp", "multislerp", "karcher", "model_stock", "nearswap", "passthrough",
        "chat_vector");
    for (MethodDeclaration d : MergeMethod.declarations()) {
      assertThat(MergeMethod.declaration(d.name())).containsSame(d);
      assertThat(d.parameters()).extracting(MergeParameter::name).doesNotHaveDuplicates();
      // global parameters first, then the per-model ones (the order configs and help list them)
      List<Boolean> perModel = d.parameters().stream().map(MergeParameter::perModel).toList();
      assertThat(perModel).as(d.name()).isSortedAccordingTo(Boolean::compare);
      assertThat(d.summary()).isNotBlank();
      assertThat(d.reference()).isNotBlank();
    }
    assertThat(MergeMethod.declaration("frankenmerge")).isEmpty();
  }

  @Test
  void theRecordsNoArgumentConstructorsTakeTheDeclaredDefaults() {
    Map<MergeMethod, MergeMethod> expected = Map.ofEntries(
        Map.entry(new MergeMethod.Della(), new MergeMethod.Della(1, true, 0.15, 0)),
        Map.entry(new MergeMethod.DellaLinear(), new MergeMethod.DellaLinear(1, false, 0.15, 0)),
        Map.entry(new MergeMethod.Sce(), new MergeMethod.Sce(1)),
        Map.entry(new MergeMethod.Ram(), new MergeMethod.Ram(1e-5)),
        Map.entry(new MergeMethod.RamplusTl(), new MergeMethod.RamplusTl(0.1, 0.2, 1e-5)),
        Map.entry(new MergeMethod.Nuslerp(), new MergeMethod.Nuslerp(false, true)),
        Map.entry(new MergeMethod.Multislerp(), new MergeMethod.Multislerp(true, 1e-8)),
        Map.entry(new MergeMethod.Karcher(), new MergeMethod.Karcher(10, 1e-5)),
        Map.entry(new MergeMethod.Passthrough(), new MergeMethod.Passthrough(ParamValue.of(1))),
        Map.entry(new MergeMethod.Linear(), new MergeMethod.Linear(true)),
        Map.entry(new MergeMethod.TaskArithmetic(), new MergeMethod.TaskArithmetic(1, false)),
        Map.entry(new MergeMethod.Ties(), new MergeMethod.Ties(1, true)),
        Map.entry(new MergeMethod.DareLinear(), new MergeMethod.DareLinear(1, false, 0)),
        Map.entry(new MergeMethod.DareTies(), new MergeMethod.DareTies(1, true, 0)),
        Map.entry(new MergeMethod.Breadcrumbs(), new MergeMethod.Breadcrumbs(1, false, 0.01)),
        Map.entry(new MergeMethod.BreadcrumbsTies(), new MergeMethod.BreadcrumbsTies(1, true, 0.01)),
        Map.entry(new MergeMethod.ModelStock(), new MergeMethod.ModelStock(false)),
        Map.entry(new MergeMethod.ChatVector(), new MergeMethod.ChatVector(1)));
    expected.forEach((got, want) -> {
      assertThat(got).isEqualTo(want);
      assertThat(got.declaration().create(got.declaration().defaults())).isEqualTo(want);
      assertThat(got.name()).isEqualTo(got.declaration().name());
      assertThat(got.parameters()).isSameAs(got.declaration().parameters());
    });
  }

  @Test
  void aRequiredParameterHasNoDefault() {
    MethodDeclaration slerp = new MergeMethod.Slerp(0.5).declaration();
    assertThat(slerp.parameter("t").orElseThrow().required()).isTrue();
    assertThatThrownBy(() -> slerp.create(slerp.defaults())).isInstanceOf(MergeException.class)
        .hasMessage("slerp's parameter t has no default: give it");
    MergeParameter weight = new MergeMethod.Ties().declaration().parameter("weight").orElseThrow();
    assertThat(weight.required()).isTrue();
    assertThat(weight.scope()).isEqualTo(MergeParameter.Scope.PER_MODEL);
    MergeParameter int8 = new MergeMethod.Ties().declaration().parameter("int8_mask").orElseThrow();
    assertThat(int8.required()).isFalse();
    assertThat(int8.type()).isEqualTo(MergeParameter.Type.IGNORED);
  }

  @Test
  void theGeneralizedTaskArithmeticMethodsAreConfigurationsOfOneRule() {
    record Knobs(MergeMethod.Sparsification sparsification, boolean consensus) {}
    Map<MergeMethod.GeneralizedTaskArithmetic, Knobs> expected = Map.of(
        new MergeMethod.TaskArithmetic(), new Knobs(MergeMethod.Sparsification.NONE, false),
        new MergeMethod.Ties(), new Knobs(MergeMethod.Sparsification.MAGNITUDE, true),
        new MergeMethod.DareLinear(), new Knobs(MergeMethod.Sparsification.RANDOM, false),
        new MergeMethod.DareTies(), new Knobs(MergeMethod.Sparsification.RANDOM, true),
        new MergeMethod.Breadcrumbs(), new Knobs(MergeMethod.Sparsification.MAGNITUDE_OUTLIERS, false),
        new MergeMethod.BreadcrumbsTies(), new Knobs(MergeMethod.Sparsification.MAGNITUDE_OUTLIERS, true),
        new MergeMethod.Della(), new Knobs(MergeMethod.Sparsification.RANK_SAMPLING, true),
        new MergeMethod.DellaLinear(), new Knobs(MergeMethod.Sparsification.RANK_SAMPLING, false),
        new MergeMethod.ChatVector(), new Knobs(MergeMethod.Sparsification.NONE, false));
    expected.forEach((m, k) -> assertThat(new Knobs(m.sparsification(), m.consensus())).as(m.name()).isEqualTo(k));
    MergeMethod.ChatVector cv = new MergeMethod.ChatVector(0.8);
    assertThat(cv.lambda()).isEqualTo(0.8);
    assertThat(cv.normalize()).isFalse();
    assertThat(new MergeMethod.DareTies(1, true, 7).seed()).isEqualTo(7);
    assertThat(new MergeMethod.Ties().seed()).isZero();
    assertThat(new MergeMethod.Ties().gamma()).isZero();
    assertThat(new MergeMethod.Della(1, true, 0.1, 3).epsilon()).isEqualTo(0.1);
    assertThat(new MergeMethod.Ties().epsilon()).isZero();
  }

  @Test
  void outOfRangeValuesAreRefusedWhenTheRecordIsMade() {
    assertThatThrownBy(() -> new MergeMethod.Della(1, true, -0.1, 0)).isInstanceOf(MergeException.class)
        .hasMessage("epsilon must be in [0, 0.5), got -0.1");
    assertThatThrownBy(() -> new MergeMethod.Sce(0)).hasMessage("select_topk must be in (0, 1], got 0.0");
    assertThatThrownBy(() -> new MergeMethod.Karcher(-1, 1e-5)).hasMessage("max_iter must be in [0, 2147483647], got -1");
    assertThatThrownBy(() -> new MergeMethod.Multislerp(true, -1)).hasMessage("eps must be finite and >= 0, got -1.0");
    assertThatThrownBy(() -> new MergeMethod.Ram(-1e-6)).hasMessage("epsilon must be finite and >= 0, got -1.0E-6");
    assertThatThrownBy(() -> new MergeMethod.RamplusTl(-0.1, 0.2, 1e-5)).hasMessage("r must be finite and >= 0, got -0.1");
    assertThatThrownBy(() -> new MergeMethod.RamplusTl(0.1, -0.2, 1e-5))
        .hasMessage("alpha must be finite and >= 0, got -0.2");
    assertThatThrownBy(() -> new MergeMethod.RamplusTl(0.1, 0.2, Double.NaN))
        .hasMessage("epsilon must be finite and >= 0, got NaN");
    MergeParameter lambda = MergeMethod.declaration("della").orElseThrow().parameter("lambda").orElseThrow();
    assertThat(lambda.scope()).as("mergekit reads della's lambda per model").isEqualTo(MergeParameter.Scope.UNIFORM);
  }

  @Test
  void modelCountsAndRequiredInputsAreDeclared() {
    assertThat(MergeMethod.declaration("slerp").orElseThrow().models()).isEqualTo(MethodDeclaration.Models.EXACTLY_ONE);
    assertThat(MergeMethod.declaration("model_stock").orElseThrow().models().allows(1)).isFalse();
    assertThat(MergeMethod.declaration("linear").orElseThrow().needsBase()).isFalse();
    assertThat(MergeMethod.declaration("passthrough").orElseThrow().needsBase()).isFalse();
    assertThat(MergeMethod.declaration("nearswap").orElseThrow().models()).isEqualTo(MethodDeclaration.Models.EXACTLY_ONE);
    assertThat(MergeMethod.declaration("chat_vector").orElseThrow().needsTarget()).isTrue();
    assertThat(MergeMethod.declaration("nuslerp").orElseThrow().models()).isEqualTo(MethodDeclaration.Models.EXACTLY_TWO);
    assertThat(MergeMethod.declaration("multislerp").orElseThrow().baseRole())
        .isEqualTo(MethodDeclaration.BaseRole.OPTIONAL_REFERENCE);
    assertThat(MergeMethod.declaration("karcher").orElseThrow().baseRole()).isEqualTo(MethodDeclaration.BaseRole.INPUT);
    for (String ram : List.of("ram", "ramplus_tl")) {
      MethodDeclaration d = MergeMethod.declaration(ram).orElseThrow();
      assertThat(d.needsBase()).as(ram).isTrue();
      assertThat(d.models()).isEqualTo(MethodDeclaration.Models.AT_LEAST_ONE);
      assertThat(d.parameters()).noneMatch(MergeParameter::perModel); // mergekit's ram takes no weights
    }
    MergeParameter rescale = MergeMethod.declaration("dare_ties").orElseThrow().parameter("rescale").orElseThrow();
    assertThat(rescale.fixed()).isTrue();
    assertThat(rescale.defaultValue()).contains("true");
  }
}
