package io.cpt4j.train.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.train.BranchPoint;
import io.cpt4j.train.DecayShape;
import io.cpt4j.train.DecaySchedule;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TrainingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A branch's {@code branch_of} in run.json and run files: read, written back equal, errors naming the key. */
class BranchRunJsonTest {
  @TempDir Path tmp;

  private static final String BRANCH = """
      base: base
      output: branch
      schedule: {type: decay, from_lr: 0.01, min_lr: 0.0, shape: 1-sqrt, from_step: 400, decay_steps: 100}
      mixture: {sources: [{name: a, text: a, weight: 1.0}]}
      steps: 500
      branch_of: {run: runs/main, step: 400}
      """;

  private RunConfig read(String yaml) throws IOException {
    return RunConfigCodec.readYaml(Files.writeString(tmp.resolve("run.yaml"), yaml));
  }

  @Test
  void aRunFileNamesItsBranchPointRelativeToItselfAndRunJsonKeepsIt() throws IOException {
    RunConfig c = read(BRANCH);
    assertThat(c.branchOf()).isEqualTo(BranchPoint.of(tmp.resolve("runs/main"), 400));
    assertThat(c.schedule()).isEqualTo(new DecaySchedule(0.01, 400, 100, DecayShape.ONE_MINUS_SQRT, 0));

    RunConfig planned = c.newBuilder().branchOf(c.branchOf().withPlannedTokens(12_800)).build();
    Path runJson = tmp.resolve("run.json");
    new RunDirectory(tmp).writeJson(runJson, RunConfigCodec.toTree(planned));
    assertThat(Files.readString(runJson)).endsWith("""
          "special_tokens" : true,
          "branch_of" : {
            "run" : "%s",
            "step" : 400,
            "planned_tokens" : 12800
          }
        }""".formatted(tmp.resolve("runs/main")));
    assertThat(RunConfigCodec.readJson(runJson)).isEqualTo(planned);
    // other runs' run.json has no branch_of
    assertThat(RunConfigCodec.toTree(c.newBuilder().branchOf(null).build()).has("branch_of")).isFalse();
  }

  @Test
  void aBadBranchPointNamesTheKey() {
    assertThatThrownBy(() -> read(BRANCH.replace("step: 400}", "step: 400, stepz: 1}")))
        .isInstanceOf(TrainingException.class).hasMessageContaining("unknown field branch_of.stepz");
    assertThatThrownBy(() -> read(BRANCH.replace("{run: runs/main, step: 400}", "{run: runs/main}")))
        .hasMessageContaining("branch_of.step is required");
    assertThatThrownBy(() -> read(BRANCH.replace("{run: runs/main, step: 400}", "{step: 400}")))
        .hasMessageContaining("branch_of.run is required");
    assertThatThrownBy(() -> read(BRANCH.replace("step: 400}", "step: 0}")))
        .hasMessageContaining("a branch starts from a checkpoint, at step >= 1, got step 0");
  }
}
