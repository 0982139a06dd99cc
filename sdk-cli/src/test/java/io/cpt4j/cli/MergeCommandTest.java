package io.cpt4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cpt4j merge CONFIG OUT}: the merge equals the Java API's, the summary, and the error contract. */
class MergeCommandTest {
  @TempDir Path dir;
  final ModelConfig config = TestCheckpoints.tinyLlama();
  Path yaml;

  @BeforeEach
  void checkpoints() throws IOException {
    TestCheckpoints.write(dir.resolve("models/base"), config, TestCheckpoints.tensors(config, 1));
    TestCheckpoints.write(dir.resolve("models/a"), config, TestCheckpoints.tensors(config, 2));
    TestCheckpoints.write(dir.resolve("models/b"), config, TestCheckpoints.tensors(config, 3));
    Files.writeString(dir.resolve("models/base/tokenizer.json"), "{\"placeholder\": true}");
    yaml = dir.resolve("ties.yaml");
    Files.writeString(yaml, """
        merge_method: ties
        base_model: models/base
        models:
          - model: models/base
          - model: models/a
            parameters: {weight: 0.6, density: 0.5}
          - model: models/b
            parameters: {weight: 0.4, density: 0.3}
        parameters: {lambda: 1.1}
        dtype: bfloat16
        """);
  }

  @Test
  void mergesLikeTheJavaApiAndPrintsASummary() {
    Path out = dir.resolve("out");
    Cli.Result r = Cli.run("merge", yaml.toString(), out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty(); // no progress line without a terminal
    int tensors = config.expectedTensors().size();
    assertThat(r.out()).contains("ties: merged " + tensors + " tensors, copied 0; read ")
        .contains("wrote 3 files").contains("model.safetensors").contains("config.json").contains("tokenizer.json")
        .contains("-> " + out.toAbsolutePath());
    Path api = dir.resolve("api");
    try (Checkpoint base = Checkpoint.open(dir.resolve("models/base"));
        Checkpoint a = Checkpoint.open(dir.resolve("models/a"));
        Checkpoint b = Checkpoint.open(dir.resolve("models/b"))) {
      Merge.builder(new MergeMethod.Ties(1.1, true), base).model(new MergeInput(a, 0.6, 0.5))
          .model(new MergeInput(b, 0.4, 0.3)).dtype(DType.BF16).build().writeTo(api);
    }
    try (Checkpoint x = Checkpoint.open(out); Checkpoint y = Checkpoint.open(api)) {
      assertThat(x.tensors()).isEqualTo(y.tensors());
      for (TensorInfo t : y.tensors()) {
        assertThat(t.dtype()).isEqualTo(DType.BF16);
        assertThat(x.tensor(t.name()).toFloatArray()).as(t.name()).containsExactly(y.tensor(t.name()).toFloatArray());
      }
    }
  }

  @Test
  void refusesANonEmptyOutputUnlessOverwrite() throws IOException {
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.writeString(out.resolve("keep.txt"), "x");
    Cli.Result r = Cli.run("merge", yaml.toString(), out.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.errLines()).containsExactly("error: " + out + ": directory exists and is not empty (pass --overwrite "
        + "to replace it)");
    assertThat(out.resolve("keep.txt")).exists();
    Cli.Result again = Cli.run("merge", yaml.toString(), out.toString(), "--overwrite");
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(out.resolve("keep.txt")).doesNotExist();
    assertThat(out.resolve("model.safetensors")).exists();
  }

  @Test
  void badInputIsOneErrorLineAndExitOne() throws IOException {
    String good = Files.readString(yaml);
    Files.writeString(yaml, good.replace("parameters: {lambda", "paramters: {lambda"));
    Cli.Result r = Cli.run("merge", yaml.toString(), dir.resolve("out").toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("error: " + yaml + ":9: paramters: unknown key (a merge config has ");
    assertThat(dir.resolve("out")).doesNotExist();

    Files.writeString(yaml, "merge_method: ties\nbase_model: models/base\nmodels: [{model: models/nope, "
        + "parameters: {weight: 1}}]\n");
    r = Cli.run("merge", yaml.toString(), dir.resolve("out").toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("error: " + yaml + ":3: models[0].model: ").contains("is not a directory");

    r = Cli.run("merge", dir.resolve("missing.yaml").toString(), dir.resolve("out").toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.errLines()).containsExactly("error: " + dir.resolve("missing.yaml") + ": no such merge config file");

    r = Cli.run("merge", yaml.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.errLines()[0]).startsWith("error: Missing required parameter: 'OUT'");
  }

  /** A parameter the method does not take is ignored, as mergekit does, with one logged warning naming it. */
  @Test
  void aParameterTheMethodDoesNotTakeIsOneWarningAndTheMergeRuns() throws IOException {
    Files.writeString(yaml, Files.readString(yaml).replace("density: 0.3", "densty: 0.3"));
    java.util.List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler h = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        records.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    java.util.logging.Logger cpt4j = java.util.logging.Logger.getLogger("io.cpt4j");
    cpt4j.addHandler(h);
    try {
      Cli.Result r = Cli.run("merge", yaml.toString(), dir.resolve("out").toString());
      assertThat(r.exitCode()).as(r.err()).isZero();
    } finally {
      cpt4j.removeHandler(h);
    }
    assertThat(records).filteredOn(x -> x.getLevel() == java.util.logging.Level.WARNING).singleElement()
        .extracting(x -> CliLogging.render(x, false), org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("WARNING: " + yaml + ": ties does not take densty (line 8; did you mean density?): ignored, "
            + "as mergekit does");
  }

  /** The methods section of the help comes from the public declarations: every method, every parameter. */
  @Test
  void helpListsEveryDeclaredMethodWithItsParametersAndDefaults() {
    Cli.Result r = Cli.run("merge", "--help");
    assertThat(r.exitCode()).isZero();
    String help = r.out().replaceAll("\\s+", " "); // wrapping aside
    assertThat(help).contains("Methods and their parameters (name=default;");
    for (io.cpt4j.merge.MethodDeclaration d : MergeMethod.declarations()) {
      assertThat(help).contains(" " + d.name() + " " + d.summary());
      for (io.cpt4j.merge.MergeParameter p : d.parameters()) {
        assertThat(help).as(d.name() + " " + p.name()).contains(p.name());
      }
    }
    assertThat(help).contains("ties keep the largest |task vector| entries, elect signs, disjoint mean lambda=1,"
        + " normalize=true, int8_mask (no effect), rescale=false (fixed); per model: weight (required), density=1 ")
        .contains("gamma=0.01 (one value for all models)").contains("slerp spherical interpolation between the base"
        + " and one model t (required); exactly one model").contains("ratio=1; exactly one model; needs onto");
  }
}
