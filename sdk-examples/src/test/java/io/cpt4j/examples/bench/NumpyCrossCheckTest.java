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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's numpy peers ({@code src/main/python/ties_merge.py}, {@code della_merge.py}, {@code
 * sce_merge.py}) and cpt4j's engine, two independent implementations of each method, agree on
 * generated BF16 checkpoints with unequal weights, a density below 1 and λ ≠ 1 (DELLA also with its own
 * ε and seed, so its seeded drop pattern is reproduced, not just its default). Both compute in float32
 * in the same order, so they agree exactly today; each test allows 0.1 % of elements to differ by at
 * most 2 BF16 ulps (2.5e-4 at these magnitudes) so that a re-associated (e.g. fused multiply-add)
 * engine still passes, while a different drop pattern or selection would change far more. Skipped
 * where python3 with numpy is missing.
 */
class NumpyCrossCheckTest {
  @TempDir Path dir;
  private final List<Path> inputs = new ArrayList<>();

  @BeforeEach
  void generateInputs() throws Exception {
    assumeTrue(exitCode(List.of("python3", "-c", "import numpy")) == 0, "python3 with numpy is not available");
    ModelConfig config = ModelConfig.builder(Architecture.LLAMA).vocabSize(512).hiddenSize(64).intermediateSize(160)
        .numLayers(3).numHeads(4).numKvHeads(2).build();
    for (int k = 0; k < 4; k++) {
      Path p = dir.resolve(k == 0 ? "base" : "tuned" + k);
      CheckpointWriter.to(p).config(config).dtype(DType.BF16).write(MergeBenchmark.generated(config, k));
      inputs.add(p);
    }
  }

  @Test
  void numpyTiesAndTheEngineAgree() throws Exception {
    assertAgree(new MergeMethod.Ties(1.2, true), 0.3, "ties_merge.py", "--density", "0.3", "--weights",
        "0.6,0.3,0.8", "--lambda", "1.2");
  }

  @Test
  void numpyDellaAndTheEngineAgree() throws Exception {
    assertAgree(new MergeMethod.Della(1.2, true, 0.1, 7), 0.4, "della_merge.py", "--density", "0.4", "--epsilon",
        "0.1", "--seed", "7", "--weights", "0.6,0.3,0.8", "--lambda", "1.2");
  }

  @Test
  void numpySceAndTheEngineAgree() throws Exception {
    assertAgree(new MergeMethod.Sce(), 1, "sce_merge.py");
  }

  /** Merges the inputs with weights 0.6, 0.3, 0.8 in cpt4j and with the numpy script, and compares. */
  private void assertAgree(MergeMethod method, double density, String script, String... args) throws Exception {
    Path java = dir.resolve("java");
    try (Checkpoint base = Checkpoint.open(inputs.get(0)); Checkpoint a = Checkpoint.open(inputs.get(1));
        Checkpoint b = Checkpoint.open(inputs.get(2)); Checkpoint c = Checkpoint.open(inputs.get(3))) {
      Merge.builder(method, base).model(new MergeInput(a, 0.6, density)).model(new MergeInput(b, 0.3, density))
          .model(new MergeInput(c, 0.8, density)).dtype(DType.BF16).build().writeTo(java);
    }
    List<String> cmd = new ArrayList<>(List.of("python3", "src/main/python/" + script));
    inputs.forEach(p -> cmd.add(p.toString()));
    cmd.add(dir.resolve("numpy").toString());
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--compare", java.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    Matcher m = Pattern.compile("compare: (\\d+) of (\\d+) elements differ .*\\(max \\|diff\\| (\\S+)\\)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    long differing = Long.parseLong(m.group(1));
    long total = Long.parseLong(m.group(2));
    try (Checkpoint base = Checkpoint.open(inputs.get(0))) {
      assertThat(total).isEqualTo(base.config().parameterCount());
    }
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
