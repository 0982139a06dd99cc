package io.cpt4j.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeMethod;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's numpy TIES ({@code src/main/python/ties_merge.py}) and cpt4j's engine, two
 * independent implementations of the same formula, agree on generated BF16 checkpoints with unequal
 * weights, density 0.3 and λ = 1.2. Both compute in float32 in the same order, so they agree exactly
 * today; the test allows 0.1 % of elements to differ by at most 2 BF16 ulps (2.5e-4 at these
 * magnitudes) so that a re-associated (e.g. fused multiply-add) engine still passes. Skipped where
 * python3 with numpy is missing.
 */
class TiesNumpyCrossCheckTest {
  @TempDir Path dir;

  @Test
  void numpyAndTheEngineAgree() throws Exception {
    assumeTrue(exitCode(List.of("python3", "-c", "import numpy")) == 0, "python3 with numpy is not available");
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(512).hiddenSize(64).intermediateSize(160)
        .numLayers(3).numHeads(4).numKvHeads(2).build();
    List<Path> inputs = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      Path p = dir.resolve(k == 0 ? "base" : "tuned" + k);
      CheckpointWriter.to(p).config(config).dtype(DType.BF16).write(MergeBenchmark.generated(config, k));
      inputs.add(p);
    }
    Path java = dir.resolve("java");
    try (Checkpoint base = Checkpoint.open(inputs.get(0)); Checkpoint a = Checkpoint.open(inputs.get(1));
        Checkpoint b = Checkpoint.open(inputs.get(2)); Checkpoint c = Checkpoint.open(inputs.get(3))) {
      Merge.builder(new MergeMethod.Ties(1.2, true), base).model(new MergeInput(a, 0.6, 0.3))
          .model(new MergeInput(b, 0.3, 0.3)).model(new MergeInput(c, 0.8, 0.3)).dtype(DType.BF16).build()
          .writeTo(java);
    }
    List<String> cmd = new ArrayList<>(List.of("python3", "src/main/python/ties_merge.py"));
    inputs.forEach(p -> cmd.add(p.toString()));
    cmd.addAll(List.of(dir.resolve("numpy").toString(), "--density", "0.3", "--weights", "0.6,0.3,0.8",
        "--lambda", "1.2", "--compare", java.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    Matcher m = Pattern.compile("compare: (\\d+) of (\\d+) elements differ .*\\(max \\|diff\\| (\\S+)\\)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    long differing = Long.parseLong(m.group(1));
    long total = Long.parseLong(m.group(2));
    assertThat(total).isEqualTo(config.parameterCount());
    assertThat(differing).as(out).isLessThanOrEqualTo(total / 1000);
    assertThat(Double.parseDouble(m.group(3))).as(out).isLessThanOrEqualTo(2.5e-4);
  }

  private static int exitCode(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor();
    } catch (Exception e) {
      return -1;
    }
  }
}
