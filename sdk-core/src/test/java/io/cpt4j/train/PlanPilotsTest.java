package io.cpt4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.data.Mixture;
import io.cpt4j.plan.Observation;
import io.cpt4j.plan.PlanException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pilot grids from the tiny run recipe: reweighted mixtures, observations, reuse and resume, refusals. */
class PlanPilotsTest {
  @TempDir Path tmp;

  @Test
  void aGridOfPilotsBecomesObservationsAndRunningAgainReusesOrResumesThem() throws IOException {
    TrainFixtures.write(tmp);
    RunConfig recipe = ContinualPretrainer.fromYaml(TrainFixtures.runFile(tmp, tmp.resolve("main"), 8, 4)).config();
    Path out = tmp.resolve("pilots");
    List<String> log = new ArrayList<>();
    List<Observation> first = Pilots.run(recipe, List.of(0.2, 0.8), List.of(256L, 512L), out, log::add);
    assertThat(first).extracting(Observation::ratio).containsExactly(0.2, 0.2, 0.8, 0.8);
    assertThat(first).extracting(Observation::tokens).containsExactly(256L, 512L, 256L, 512L);
    assertThat(first).allSatisfy(o -> assertThat(o.losses()).containsOnlyKeys("code", "general"));
    assertThat(first.getFirst().parameters()).isEqualTo(TrainFixtures.CONFIG.parameterCount());
    assertThat(Observation.read(out.resolve("observations.jsonl"))).extracting(Observation::losses)
        .containsExactlyElementsOf(first.stream().map(Observation::losses).toList());
    // the pilot's mixture: code 0.2, general 0.8 (replay), as its run.json says
    assertThat(Pilots.read(List.of(Path.of(first.getFirst().source()))).getFirst().ratio())
        .isCloseTo(0.2, org.assertj.core.api.Assertions.within(1e-12));
    // more domain data, lower domain loss (at the larger budget)
    assertThat(first.get(3).losses().get("code")).isLessThan(first.get(1).losses().get("code"));

    Path interrupted = Path.of(first.get(3).source());
    Files.delete(interrupted.resolve("report.json")); // as if stopped after its last checkpoint
    log.clear();
    List<Observation> again = Pilots.run(recipe, List.of(0.2, 0.8), List.of(256L, 512L), out, log::add);
    assertThat(log).anyMatch(l -> l.contains("finished before")).anyMatch(l -> l.contains("resuming"));
    assertThat(again).extracting(Observation::losses)
        .containsExactlyElementsOf(first.stream().map(Observation::losses).toList()); // resumed bit-exactly
  }

  @Test
  void aRecipeWithoutReplayOrValidationIsRefused() {
    TrainFixtures.write(tmp);
    RunConfig recipe = ContinualPretrainer.fromYaml(TrainFixtures.runFile(tmp, tmp.resolve("main"), 8, 4)).config();
    RunConfig noReplay = recipe.newBuilder().mixture(Mixture.of(recipe.mixture().components().getFirst().source(), 1))
        .build();
    assertThatThrownBy(() -> Pilots.run(noReplay, List.of(0.5), List.of(256L), tmp.resolve("p"), null))
        .isInstanceOf(PlanException.class).hasMessageContaining("needs domain sources and replay (general) sources");
    assertThatThrownBy(() -> Pilots.run(recipe, List.of(1.5), List.of(256L), tmp.resolve("p"), null))
        .hasMessage("a pilot's domain share must be in [0, 1], got 1.5");
    assertThatThrownBy(() -> Pilots.read(List.of(tmp.resolve("base")))).isInstanceOf(PlanException.class)
        .hasMessageContaining("not a finished run (no run.json)");
  }
}
