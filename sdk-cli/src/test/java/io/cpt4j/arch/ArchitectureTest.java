package io.cpt4j.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.cpt4j.arch.planted.PlantedPublicType;
import io.cpt4j.arch.planted.a.PlantedA;
import io.cpt4j.arch.planted.b.PlantedB;
import io.cpt4j.cli.planted.PlantedInternalImport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of cpt4j, checked on the compiled classes of every module (this test lives in
 * sdk-cli, the last module, whose class path holds them all). See docs/architecture.md.
 *
 * <ul>
 *   <li>The public API is sdk-api: outside it, every type of sdk-core and sdk-gpu lives in an
 *       {@code internal} package (SPI providers included), sdk-cli's only public type is its {@code
 *       Main}; sdk-quickstart and sdk-examples are exempt (the quickstart, its demo assets and the
 *       example programs are public so that users can run and copy them; they are not API).
 *   <li>sdk-cli, sdk-quickstart and sdk-examples use the public API only: no {@code *.internal} class.
 *   <li>No package cycles. Calls into {@code io.cpt4j.spi} do not count: API types find their
 *       implementation through that service locator, which is the point of the SPI.
 * </ul>
 *
 * Each rule is also run on planted violations (test classes under {@code io.cpt4j.arch.planted}
 * and {@code io.cpt4j.cli.planted}), so a rule that stopped matching anything fails here too.
 */
class ArchitectureTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.cpt4j");
  }

  /** No class of sdk-cli, sdk-quickstart or sdk-examples uses an {@code *.internal} class. */
  static final ArchRule PUBLIC_API_ONLY_IN_CLI_AND_EXAMPLES = noClasses()
      .that().resideInAnyPackage("io.cpt4j.cli..", "io.cpt4j.quickstart..", "io.cpt4j.examples..")
      .should().dependOnClassesThat().resideInAPackage("..internal..")
      .because("the CLI and the examples show what a user of the public API (sdk-api) can do");

  /** No cycle between packages, calls into the SPI's service locator aside. */
  static final ArchRule NO_PACKAGE_CYCLES = slices().matching("io.cpt4j.(**)").should().beFreeOfCycles()
      .ignoreDependency(DescribedPredicate.alwaysTrue(), JavaClass.Predicates.resideInAPackage("io.cpt4j.spi"));

  /** Public top-level types outside sdk-api: internal packages, the CLI's Main, quickstart and examples. */
  static final ArchRule PUBLIC_TYPES_IN_SDK_API = classes()
      .that().haveModifier(JavaModifier.PUBLIC).and().areTopLevelClasses()
      .should(beInSdkApiOrInternalOrAProgram())
      .because("the public API is sdk-api; implementation types are reachable only through its SPI");

  private static ArchCondition<JavaClass> beInSdkApiOrInternalOrAProgram() {
    return new ArchCondition<>("be in sdk-api, in an internal package, the CLI's Main, the quickstart or the examples") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        String where = c.getSource().map(s -> s.getUri().toString()).orElse("");
        boolean api = where.contains("/sdk-api/") || where.contains("/sdk-api-");
        boolean internal = c.getPackageName().contains(".internal");
        boolean cliMain = c.getName().equals("io.cpt4j.cli.Main");
        boolean example = c.getPackageName().startsWith("io.cpt4j.examples")
            || c.getPackageName().startsWith("io.cpt4j.quickstart");
        if (!(api || internal || cliMain || example)) {
          events.add(SimpleConditionEvent.violated(c, c.getName() + " is public outside sdk-api (in " + where + ")"));
        }
      }
    };
  }

  @Test
  void theCliAndTheExamplesUseThePublicApiOnly() {
    assertThat(main.contain("io.cpt4j.cli.Main")).isTrue();
    assertThat(main.contain("io.cpt4j.quickstart.Quickstart")).isTrue();
    PUBLIC_API_ONLY_IN_CLI_AND_EXAMPLES.check(main);
  }

  @Test
  void packagesHaveNoCycles() {
    assertThat(main.contain("io.cpt4j.checkpoint.internal.CoreFormatProvider")).isTrue();
    assertThat(main.contain("io.cpt4j.gpu.internal.GpuBackendProvider")).isTrue();
    NO_PACKAGE_CYCLES.check(main);
  }

  @Test
  void publicTypesOutsideSdkApiAreInternal() {
    PUBLIC_TYPES_IN_SDK_API.check(main);
  }

  @Test
  void eachRuleFailsOnAPlantedViolation() {
    JavaClasses planted = new ClassFileImporter().importClasses(PlantedInternalImport.class, PlantedA.class,
        PlantedB.class, PlantedPublicType.class);
    assertThatThrownBy(() -> PUBLIC_API_ONLY_IN_CLI_AND_EXAMPLES.check(planted)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("PlantedInternalImport").hasMessageContaining("io.cpt4j.checkpoint.internal");
    assertThatThrownBy(() -> NO_PACKAGE_CYCLES.check(planted)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("Cycle detected").hasMessageContaining("planted.a").hasMessageContaining("planted.b");
    assertThatThrownBy(() -> PUBLIC_TYPES_IN_SDK_API.check(planted)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("io.cpt4j.arch.planted.PlantedPublicType is public outside sdk-api");
  }
}
