package io.cpt4j.train;

import static io.cpt4j.train.BranchFixtures.contents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cpt4j.train.BranchException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A branch that cannot start fails with a typed error stating the fact and the fix, and writes nothing. */
class DecayBranchErrorsTest {
  @TempDir Path tmp;

  private static BranchException failure(DecayBranch b) {
    BranchException e = catchThrowableOfType(BranchException.class, b::train);
    assertThat(e).as("a BranchException").isNotNull();
    return e;
  }

  @Test
  void badStepsDecaysAndOutputsAreTypedErrors() throws IOException {
    TrainFixtures.write(tmp);
    Path main = tmp.resolve("main");
    // a WSD run of 12 steps: stable at 0.01 from step 2, decay to 1e-3 over the last 4; checkpoints at 4, 8, 12
    BranchFixtures.main(tmp, main, Rewarm.to(0.01).warmupSteps(2).stableThenDecay(Span.steps(4), DecayShape.LINEAR,
        1e-3), 12).train();
    Map<String, String> before = contents(main);
    Path out = tmp.resolve("out");

    BranchException notARun = failure(ContinualPretrainer.branch(tmp.resolve("code"), 4)
        .decay(640, DecayShape.COSINE).output(out));
    assertThat(notARun.reason()).isEqualTo(Reason.NOT_A_RUN);
    assertThat(notARun).hasMessageContaining("is not a cpt4j run directory (no run.json)");

    BranchException unknown = failure(ContinualPretrainer.branch(main, 5).decay(640, DecayShape.COSINE).output(out));
    assertThat(unknown.reason()).isEqualTo(Reason.UNKNOWN_STEP);
    assertThat(unknown.availableSteps()).containsExactly(4L, 8L, 12L);
    assertThat(unknown).hasMessage(main + " has no checkpoint at step 5; available: step-4, step-8, step-12");

    BranchException noDecay = failure(ContinualPretrainer.branch(main, 4).output(out));
    assertThat(noDecay.reason()).isEqualTo(Reason.BAD_DECAY);
    assertThat(noDecay).hasMessageContaining("no decay given");

    BranchException tooShort = failure(ContinualPretrainer.branch(main, 4).decay(63, DecayShape.COSINE).output(out));
    assertThat(tooShort.reason()).isEqualTo(Reason.BAD_DECAY);
    assertThat(tooShort).hasMessage("a decay of 63 tokens is shorter than one step (64 tokens a step in the main run)");
    assertThatThrownBy(() -> ContinualPretrainer.branch(main, 4).decaySteps(0, DecayShape.COSINE))
        .isInstanceOf(BranchException.class).hasMessage("a decay needs at least one step, got 0");

    BranchException rising = failure(ContinualPretrainer.branch(main, 4).decay(64, DecayShape.LINEAR).minLr(0.02)
        .output(out));
    assertThat(rising.reason()).isEqualTo(Reason.BAD_DECAY);
    assertThat(rising).hasMessage("the minimum learning rate 0.02 is above the learning rate at step 4 (0.01): "
        + "a decay cannot rise; give a lower minLr");
    // from the final checkpoint the decay starts at the main run's last learning rate, the WSD floor,
    // which is also the default minimum: a flat decay, not an error
    assertThat(ContinualPretrainer.branch(main, 12).decaySteps(2, DecayShape.LINEAR).config().schedule())
        .isEqualTo(new DecaySchedule(1e-3, 12, 2, DecayShape.LINEAR, 1e-3));
    BranchException exponentialToZero = failure(ContinualPretrainer.branch(main, 4)
        .decaySteps(4, DecayShape.EXPONENTIAL).minLr(0).output(out));
    assertThat(exponentialToZero.reason()).isEqualTo(Reason.BAD_DECAY);
    assertThat(exponentialToZero).hasMessageContaining("minLr must be > 0 for an exponential decay");

    BranchException inside = failure(ContinualPretrainer.branch(main, 4).decay(640, DecayShape.COSINE)
        .output(main.resolve("branches/a")));
    assertThat(inside.reason()).isEqualTo(Reason.BAD_OUTPUT);
    assertThat(inside).hasMessageContaining("lies inside the main run's directory");
    BranchException itself = failure(ContinualPretrainer.branch(main, 4).decay(640, DecayShape.COSINE).output(main));
    assertThat(itself.reason()).isEqualTo(Reason.BAD_OUTPUT);
    Files.createDirectories(out);
    Files.writeString(out.resolve("notes.txt"), "mine");
    BranchException exists = failure(ContinualPretrainer.branch(main, 4).decay(640, DecayShape.COSINE).output(out));
    assertThat(exists.reason()).isEqualTo(Reason.BAD_OUTPUT);
    assertThat(exists).hasMessage("output " + out + " exists and is not empty: a branch writes a new run directory; "
        + "choose another or remove it");

    assertThatThrownBy(() -> ContinualPretrainer.branch(main, 4).decay(640, DecayShape.COSINE).train())
        .isInstanceOf(TrainingException.class).hasMessageContaining("output is required");
    // nothing was written anywhere, and the main run is as it was
    assertThat(Files.list(out).map(p -> p.getFileName().toString())).containsExactly("notes.txt");
    assertThat(main.resolve("branches")).doesNotExist();
    assertThat(contents(main)).isEqualTo(before);
  }

  @Test
  void aBranchConfigurationIsCheckedAndRunsTheSameWay() throws IOException {
    TrainFixtures.write(tmp);
    Path main = tmp.resolve("main");
    BranchFixtures.main(tmp, main, LrSchedule.constant(0.01), 4).train();
    RunConfig branch = ContinualPretrainer.branch(main, 4).decaySteps(2, DecayShape.LINEAR)
        .output(tmp.resolve("b")).config();
    // a configuration whose branch point was pruned or never written
    RunConfig gone = branch.newBuilder().branchOf(BranchPoint.of(main, 2)).build();
    assertThatThrownBy(() -> ContinualPretrainer.from(gone).train()).isInstanceOf(BranchException.class)
        .hasMessage(main + " has no checkpoint at step 2; available: step-4");
    RunConfig noStep = branch.newBuilder().steps(4).build();
    assertThatThrownBy(() -> ContinualPretrainer.from(noStep).train()).isInstanceOf(TrainingException.class)
        .hasMessageContaining("schedule");
    assertThat(tmp.resolve("b")).doesNotExist();
    // the configuration itself, with another schedule, runs from the branch point like DecayBranch.train()
    TrainingReport r = ContinualPretrainer.from(branch.newBuilder().schedule(LrSchedule.constant(0.005)).build()).train();
    assertThat(r.steps()).isEqualTo(6);
    assertThat(BranchFixtures.metrics(tmp.resolve("b")).stream().filter(n -> n.has("loss") && n.get("step").asLong() > 4)
        .map(n -> n.get("lr").asDouble()).toList()).containsExactly(0.005, 0.005);
  }
}
