package io.cpt4j.train.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.train.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code special_tokens} (BOS framing of documents): on by default for new run files, off for the
 * run.json of a run written before the key existed, so that it resumes with the packing (and sampler
 * state) it was trained with; kept when written.
 */
class SpecialTokensRunConfigTest {
  @TempDir Path tmp;

  private ObjectNode runTree() {
    String yaml = """
        base: base
        output: out
        schedule: {type: constant, lr: 1.0e-4}
        mixture: {sources: [{name: a, text: a, weight: 1.0}]}
        tokens: 1000
        """;
    try {
      Path file = Files.writeString(tmp.resolve("run.yaml"), yaml);
      return RunConfigCodec.toTree(RunConfigCodec.readYaml(file));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void newRunFilesFrameByDefaultAndOldRunDirectoriesDoNot() throws Exception {
    ObjectNode tree = runTree();
    assertThat(tree.path("special_tokens").asBoolean()).as("a run file without the key").isTrue();
    tree.remove("special_tokens"); // a run.json written before the key existed
    Path runJson = Files.writeString(tmp.resolve("run.json"), tree.toString());
    RunConfig old = RunConfigCodec.readJson(runJson);
    assertThat(old.specialTokens()).isFalse();
    tree.put("special_tokens", true);
    Files.writeString(runJson, tree.toString());
    assertThat(RunConfigCodec.readJson(runJson).specialTokens()).isTrue();
  }
}
