package io.cpt4j.merge;

import static io.cpt4j.merge.MergeFixtures.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mergekit-style YAML configs: each method to its record, parameter forms, ownership, every error. */
class MergeConfigTest {
  @TempDir Path dir;
  final ModelConfig config = TestCheckpoints.tinyLlama();

  @BeforeEach
  void checkpoints() {
    for (String name : List.of("base", "a", "b", "cpt")) {
      random(dir.resolve("models/" + name), config, name.hashCode()).close();
    }
  }

  MergeConfig load(String yaml) throws IOException {
    Path file = dir.resolve("merge.yaml");
    Files.writeString(file, yaml);
    return MergeConfig.load(file);
  }

  static final String TWO = """
      base_model: models/base
      models:
        - model: models/base
        - model: models/a
          parameters: {weight: 0.7, density: 0.5}
        - model: models/b
          parameters: {weight: 0.3, density: 0.25}
      """;

  /** Every method with its parameters to the expected record; models and base resolved against the file. */
  @Test
  void eachMethodParsesToItsRecord() throws IOException {
    Map<String, MergeMethod> expected = Map.of(
        "ties\nparameters: {lambda: 2}", new MergeMethod.Ties(2, true),
        "ties\nparameters: {normalize: false, rescale: false}", new MergeMethod.Ties(1, false),
        "dare_linear\nparameters: {seed: 7, rescale: true}", new MergeMethod.DareLinear(1, false, 7),
        "dare_ties", new MergeMethod.DareTies(1, true, 0),
        "breadcrumbs\nparameters: {gamma: 0.05}", new MergeMethod.Breadcrumbs(1, false, 0.05),
        "breadcrumbs_ties", new MergeMethod.BreadcrumbsTies(1, true, 0.01),
        "della\nparameters: {epsilon: 0.1, lambda: 0.8, seed: 3}", new MergeMethod.Della(0.8, true, 0.1, 3),
        "della_linear\nparameters: {epsilon: 0.05}", new MergeMethod.DellaLinear(1, false, 0.05, 0));
    for (var e : expected.entrySet()) {
      try (MergeConfig c = load("merge_method: " + e.getKey() + "\n" + TWO)) {
        Merge m = c.merge();
        assertThat(m.method()).as(e.getKey()).isEqualTo(e.getValue());
        assertThat(m.base().directory()).isEqualTo(dir.resolve("models/base").toAbsolutePath());
        assertThat(m.target()).isSameAs(m.base());
        assertThat(m.models()).extracting(i -> i.checkpoint().directory().getFileName().toString())
            .containsExactly("a", "b"); // the base listed among the models is no task vector
        assertThat(m.models()).extracting(MergeInput::weight).containsExactly(ParamValue.of(0.7), ParamValue.of(0.3));
        assertThat(m.models()).extracting(MergeInput::density)
            .containsExactly(ParamValue.of(0.5), ParamValue.of(0.25));
        assertThat(c.checkpoints()).hasSize(3);
        assertThat(m.dtype()).isNull();
        assertThat(m.maxShardSize()).isEqualTo(Long.MAX_VALUE);
        assertThat(m.include()).isEmpty();
        assertThat(m.exclude()).isEmpty();
      }
    }
  }

  /** della's lambda and epsilon per model (as mergekit reads them), sce, nearswap and passthrough's filtered scale. */
  @Test
  void dellaSceNearswapAndPassthroughAsMergekitConfigsWriteThem() throws IOException {
    String della = "merge_method: della\n" + TWO.replace("density: 0.5", "density: 0.5, epsilon: 0.1, lambda: 0.9")
        .replace("density: 0.25", "density: 0.25, epsilon: 0.1");
    try (MergeConfig d = load(della)) {
      assertThat(d.merge().method()).isEqualTo(new MergeMethod.Della(0.9, true, 0.1, 0));
      assertThat(d.warnings()).isEmpty();
    }
    expect(della.replace("density: 0.25, epsilon: 0.1", "density: 0.25, epsilon: 0.2"),
        "merge.yaml:8: models[2].parameters.epsilon: is 0.2 but models[1].parameters.epsilon is 0.1: cpt4j takes one "
            + "epsilon for all models");
    try (MergeConfig sce = load("merge_method: sce\nparameters: {select_topk: 0.4}\n" + TWO)) {
      assertThat(sce.merge().method()).isEqualTo(new MergeMethod.Sce(0.4));
      assertThat(sce.warnings()).singleElement().asString().contains("sce does not take weight (lines 7, 9), density");
    }
    try (MergeConfig ns = load("merge_method: nearswap\nbase_model: models/base\nparameters: {t: [0.001, 0.01]}\n"
        + "models: [{model: models/base}, {model: models/a}]\n")) {
      assertThat(ns.merge().method()).isEqualTo(new MergeMethod.Nearswap(ParamValue.gradient(0.001, 0.01)));
      assertThat(ns.merge().models()).hasSize(1);
    }
    try (MergeConfig pt = load("""
        merge_method: passthrough
        models:
          - model: models/a
            parameters:
              scale:
                - filter: o_proj
                  value: 0
                - value: 1
        """)) {
      assertThat(pt.merge().method()).isEqualTo(new MergeMethod.Passthrough(new ParamValue.Filtered(List.of(
          new ParamValue.Rule("o_proj", ParamValue.of(0)), new ParamValue.Rule(null, ParamValue.of(1))))));
      assertThat(pt.merge().base().directory()).isEqualTo(dir.resolve("models/a").toAbsolutePath());
    }
    expect("merge_method: passthrough\nmodels: [{model: models/a}, {model: models/b}]\n",
        "models: passthrough takes exactly one model besides base_model, got 2");
  }

  @Test
  void linearTaskArithmeticSlerpModelStockAndChatVector() throws IOException {
    try (MergeConfig c = load("merge_method: breadcrumbs_ties\n" + TWO.replace("density: 0.5", "density: 0.5, gamma: 0.1")
        .replace("density: 0.25", "density: 0.25, gamma: 0.1"))) {
      assertThat(c.merge().method()).isEqualTo(new MergeMethod.BreadcrumbsTies(1, true, 0.1)); // per-model, all agree
    }
    try (MergeConfig c = load("merge_method: task_arithmetic\nparameters: {lambda: 0.5, normalize: true, "
        + "int8_mask: true}\n" + TWO.replace(", density: 0.5", "").replace(", density: 0.25", ""))) {
      assertThat(c.merge().method()).isEqualTo(new MergeMethod.TaskArithmetic(0.5, true));
      assertThat(c.merge().models()).extracting(MergeInput::weight).containsExactly(ParamValue.of(0.7), ParamValue.of(0.3));
      assertThat(c.merge().models()).extracting(MergeInput::density).containsOnly(ParamValue.of(1));
    }
    try (MergeConfig c = load("""
        merge_method: linear
        parameters: {normalize: false}
        models:
          - model: models/a
            parameters: {weight: 2}
          - model: models/b
            parameters: {weight: -1}
        dtype: bfloat16
        """)) {
      assertThat(c.merge().method()).isEqualTo(new MergeMethod.Linear(false));
      assertThat(c.merge().base()).isSameAs(c.merge().models().getFirst().checkpoint()); // no base_model: the first
      assertThat(c.merge().dtype()).isEqualTo(DType.BF16);
    }
    try (MergeConfig c = load("""
        merge_method: slerp
        base_model: models/base
        models: [{model: models/base}, {model: models/a}]
        parameters:
          t:
            - filter: self_attn
              value: [0, 0.5, 1]
            - filter: mlp
              value: [1, 0.5, 0]
            - value: 0.5
        out_dtype: float16
        dtype: float32
        """)) {
      assertThat(c.merge().method()).isEqualTo(new MergeMethod.Slerp(new ParamValue.Filtered(List.of(
          new ParamValue.Rule("self_attn", ParamValue.gradient(0, 0.5, 1)),
          new ParamValue.Rule("mlp", ParamValue.gradient(1, 0.5, 0)),
          new ParamValue.Rule(null, ParamValue.of(0.5))))));
      assertThat(c.merge().dtype()).isEqualTo(DType.F16); // out_dtype wins over dtype
    }
    try (MergeConfig c = load("merge_method: model_stock\nparameters: {filter_wise: true}\n"
        + "base_model: models/base\nmodels: [{model: models/a}, {model: models/b}]\n")) {
      assertThat(c.merge().method()).isEqualTo(new MergeMethod.ModelStock(true));
      assertThat(c.merge().models()).extracting(MergeInput::weight).containsOnly(ParamValue.of(1));
    }
    try (MergeConfig c = load("merge_method: chat_vector\nparameters: {ratio: 0.8}\n"
        + "base_model: models/base\nonto: models/cpt\nmodels: [{model: models/a}]\n")) {
      assertThat(c.merge().method()).isEqualTo(new MergeMethod.ChatVector(0.8));
      assertThat(c.merge().target().directory().getFileName().toString()).isEqualTo("cpt");
      assertThat(c.merge().exclude().orElseThrow().pattern()).isEqualTo(MergeMethod.ChatVector.DEFAULT_SKIP);
    }
    try (MergeConfig c = load("merge_method: chat_vector\nexclude: null\n"
        + "base_model: models/base\nonto: models/cpt\nmodels: [{model: models/a}]\n")) {
      assertThat(c.merge().exclude()).isEmpty(); // explicit null: merge every tensor
    }
  }

  @Test
  void gradientsFiltersTopLevelDefaultsAndExtras() throws IOException {
    try (MergeConfig c = load("""
        merge_method: ties
        base_model: ./models/../models/base
        parameters:
          weight: [1, 0.5, 0]
          density: [{filter: mlp, value: 0.3}, {value: [0.2, 0.9]}]
        models:
          - model: models/a
          - model: models/b
            parameters: {weight: 0.25}
        include: ".*layers.*"
        exclude: ".*norm.*"
        max_shard_size: 2KiB
        tokenizer_source: models/a
        """)) {
      Merge m = c.merge();
      assertThat(m.models().get(0).weight()).isEqualTo(ParamValue.gradient(1, 0.5, 0));
      assertThat(m.models().get(1).weight()).isEqualTo(ParamValue.of(0.25));
      ParamValue density = m.models().get(1).density();
      assertThat(density).isEqualTo(new ParamValue.Filtered(List.of(
          new ParamValue.Rule("mlp", ParamValue.of(0.3)), new ParamValue.Rule(null, ParamValue.gradient(0.2, 0.9)))));
      assertThat(density.at("model.layers.0.mlp.up_proj.weight", 0)).isEqualTo(0.3);
      assertThat(density.at("model.layers.1.self_attn.q_proj.weight", 1)).isEqualTo(0.9);
      assertThat(m.include().orElseThrow().pattern()).isEqualTo(".*layers.*");
      assertThat(m.merges("model.layers.0.mlp.up_proj.weight")).isTrue();
      assertThat(m.merges("model.layers.0.input_layernorm.weight")).isFalse();
      assertThat(m.merges("lm_head.weight")).isFalse();
      assertThat(m.maxShardSize()).isEqualTo(2048);
      assertThat(m.tokenizer().orElseThrow().model()).isSameAs(m.models().getFirst().checkpoint());
    }
    try (MergeConfig c = load("merge_method: ties\nparameters: {weight: 1}\nmax_shard_size: 5GB\n"
        + "tokenizer_source: base\n" + TWO.replace("weight: 0.7, ", ""))) {
      assertThat(c.merge().models()).extracting(MergeInput::weight).containsExactly(ParamValue.of(1), ParamValue.of(0.3));
      assertThat(c.merge().maxShardSize()).isEqualTo(5_000_000_000L);
      assertThat(c.merge().tokenizer()).contains(MergeTokenizer.base());
    }
  }

  @Test
  void closeClosesEveryOpenedCheckpointOnce() throws IOException {
    MergeConfig c = load("merge_method: chat_vector\nbase_model: models/base\nonto: models/base\n"
        + "models: [{model: models/a}]\n");
    assertThat(c.checkpoints()).hasSize(2); // base and onto are one checkpoint
    assertThat(c.merge().target()).isSameAs(c.merge().base());
    c.close();
    for (Checkpoint ck : c.checkpoints()) {
      assertThatThrownBy(ck::tokenizer).isInstanceOf(CheckpointException.class).hasMessageContaining("closed");
    }
  }

  /** A config run through the CLI-facing path equals the same merge built with the Java API, bit for bit. */
  @Test
  void aLoadedConfigMergesLikeTheBuilder() throws IOException {
    Path fromYaml = dir.resolve("yaml-out");
    Path fromApi = dir.resolve("api-out");
    try (MergeConfig c = load("merge_method: ties\nparameters: {lambda: 0.9}\ndtype: bfloat16\n" + TWO)) {
      c.writeTo(fromYaml, false);
    }
    try (Checkpoint base = Checkpoint.open(dir.resolve("models/base"));
        Checkpoint a = Checkpoint.open(dir.resolve("models/a"));
        Checkpoint b = Checkpoint.open(dir.resolve("models/b"))) {
      Merge.builder(new MergeMethod.Ties(0.9, true), base).model(new MergeInput(a, 0.7, 0.5))
          .model(new MergeInput(b, 0.3, 0.25)).dtype(DType.BF16).build().writeTo(fromApi);
    }
    try (Checkpoint x = Checkpoint.open(fromYaml); Checkpoint y = Checkpoint.open(fromApi)) {
      for (TensorInfo t : y.tensors()) {
        assertThat(x.tensor(t.name()).info()).isEqualTo(t);
        assertThat(x.tensor(t.name()).toFloatArray()).as(t.name()).containsExactly(y.tensor(t.name()).toFloatArray());
      }
    }
  }

  @Test
  void errorsNameTheKeyAndLine() throws IOException {
    expect("merge_method: ties\n" + TWO + "lambda: 1\n", "merge.yaml:9: lambda: unknown key");
    expect("merge_method: ties\n" + TWO.replace("density: 0.5", "density: 0.5, lambda: 2"),
        "merge.yaml:6: models[1].parameters.lambda: ties takes 'lambda' only under the top-level parameters");
    expect("merge_method: ties\n" + TWO.replace("weight: 0.3, ", ""),
        "merge.yaml:8: models[2].parameters.weight: is required by ties");
    expect("merge_method: ties\nmodels: [{model: models/a, parameters: {weight: 1}}]\n",
        "merge.yaml:1: base_model: is required by ties");
    expect("base_model: models/base\nmodels: [{model: models/a}]\n", "merge_method: is required");
    expect("merge_method: frankenmerge\n" + TWO, "merge.yaml:1: merge_method: unknown method 'frankenmerge'");
    expect("merge_method: ties\nparameters: {lambda: big}\n" + TWO, "merge.yaml:2: parameters.lambda: must be a number, got 'big'");
    expect("merge_method: ties\nparameters:\n  lambda: [1, 2]\n" + TWO, "merge.yaml:3: parameters.lambda: must be a number");
    expect("merge_method: ties\nparameters: {normalize: 1}\n" + TWO, "parameters.normalize: must be true or false");
    expect("merge_method: dare_ties\nparameters: {rescale: false}\n" + TWO, "parameters.rescale: must be true");
    expect("merge_method: dare_ties\nparameters: {seed: 1.5}\n" + TWO, "parameters.seed: must be an integer");
    expect("merge_method: ties\n" + TWO.replace("density: 0.25", "density: [0.5, 1.5]"),
        "merge.yaml:8: models[2].parameters.density: densities must be in (0, 1], got 1.5");
    expect("merge_method: ties\n" + TWO.replace("weight: 0.3", "weight: [{filter: mlp, value: 1}, 2]"),
        "models[2].parameters.weight[1]: must be a {filter, value} entry");
    expect("merge_method: ties\n" + TWO.replace("weight: 0.3", "weight: [{filter: mlp, valeu: 1}]"),
        "models[2].parameters.weight[0].valeu: unknown key");
    expect("merge_method: breadcrumbs\nparameters: {gamma: 1.5}\n" + TWO, "parameters: gamma must be in [0, 1)");
    expect("merge_method: slerp\nbase_model: models/base\nmodels: [{model: models/a}]\n", "parameters.t: is required");
    expect("merge_method: slerp\nparameters: {t: 0.5}\n" + TWO.replaceAll("\n    parameters.*", ""),
        "models: slerp takes exactly one model besides base_model, got 2");
    expect("merge_method: chat_vector\nbase_model: models/base\nmodels: [{model: models/a}]\n", "onto: is required");
    expect("merge_method: breadcrumbs\nparameters: {gamma: 0.02}\n"
        + TWO.replace("density: 0.25", "density: 0.25, gamma: 0.03"),
        "merge.yaml:9: models[2].parameters.gamma: is 0.03 but parameters.gamma is 0.02: cpt4j takes one gamma");
    expect("merge_method: model_stock\nbase_model: models/base\nmodels: [{model: models/a}]\n",
        "model_stock needs at least two models");
    expect("merge_method: ties\nslices: []\n" + TWO, "merge.yaml:2: slices: a merge config has either models or slices");
    expect("merge_method: ties\nmodules: {}\n" + TWO, "merge.yaml:2: modules: modules are not supported");
    expect("merge_method: ties\ndtype: int8\n" + TWO, "dtype: unknown dtype 'int8'");
    expect("merge_method: ties\ninclude: '(('\n" + TWO, "include: not a valid regular expression");
    expect("merge_method: ties\nmax_shard_size: lots\n" + TWO, "max_shard_size: must be a positive number");
    expect("merge_method: ties\ntokenizer: {source: union, pad_to_multiple_of: 0}\n" + TWO,
        "tokenizer.pad_to_multiple_of: must be a positive integer, got 0");
    expect("merge_method: ties\ntokenizer_source: models/cpt\n" + TWO, "tokenizer_source: 'models/cpt' is not");
    expect("merge_method: ties\nmodels: models/a\nbase_model: models/base\n", "models: must be a non-empty list");
    expect("merge_method: ties\nbase_model: models/base\nmodels: [models/a]\n", "models[0]: must be a mapping");
    expect("merge_method: ties\n" + TWO.replace("models/b\n", "models/missing\n"),
        "merge.yaml:7: models[2].model: " + dir.resolve("models/missing").toAbsolutePath() + " is not a directory");
    expect("merge_method: ties\nmerge_method: linear\n" + TWO, "merge.yaml:2: not valid YAML: Duplicate field 'merge_method'");
    expect("merge_method: [ties\n", "merge.yaml:1: not valid YAML: while parsing a flow sequence; expected ',' or ']', "
        + "but got <stream end>");
    expect("- ties\n", "merge.yaml:1: a merge config must be a YAML mapping");
    assertThatThrownBy(() -> MergeConfig.load(dir.resolve("nope.yaml"))).isInstanceOf(MergeException.class)
        .hasMessage(dir.resolve("nope.yaml") + ": no such merge config file");
  }

  /** As mergekit: a method reads only the parameters it declares; the rest are named in one warning. */
  @Test
  void parametersTheMethodDoesNotDeclareAreIgnoredWithOneWarning() throws IOException {
    String leftover = """
        merge_method: linear
        parameters: {normalize: true, lambda: 2}
        models:
          - model: models/a
            parameters: {weight: 0.7, density: 0.5}
          - model: models/b
            parameters: {weight: 0.3, density: 0.25}
        """; // a TIES config turned linear: lambda and the densities are left over
    try (MergeConfig linear = load(leftover);
        MergeConfig plain = load(leftover.replace(", lambda: 2", "").replaceAll(", density: [0-9.]+", ""))) {
      assertThat(linear.warnings()).singleElement().asString()
          .startsWith(dir.resolve("merge.yaml") + ": linear does not take lambda (line 2), density (lines 5, 7)")
          .endsWith(": ignored, as mergekit does (it takes normalize, weight)");
      assertThat(plain.warnings()).isEmpty();
      assertThat(linear.merge().method()).isEqualTo(new MergeMethod.Linear(true));
      assertThat(linear.merge().models()).extracting(m -> m.density()).containsOnly(ParamValue.of(1));
      Path x = dir.resolve("x");
      Path y = dir.resolve("y");
      linear.writeTo(x, false);
      plain.writeTo(y, false);
      try (Checkpoint a = Checkpoint.open(x); Checkpoint b = Checkpoint.open(y)) {
        for (TensorInfo t : a.tensors()) {
          assertThat(a.tensor(t.name()).toFloatArray()).as(t.name()).containsExactly(b.tensor(t.name()).toFloatArray());
        }
      }
    }
    try (MergeConfig typo = load("merge_method: ties\n" + TWO.replace("density: 0.5", "dencity: 0.5"));
        MergeConfig slerp = load("merge_method: slerp\nparameters: {t: 0.5}\nbase_model: models/base\n"
            + "models: [{model: models/a, parameters: {weight: 1}}]\n")) {
      assertThat(typo.warnings()).singleElement().asString()
          .contains("ties does not take dencity (line 6; did you mean density?)");
      assertThat(slerp.warnings()).singleElement().asString().contains("slerp does not take weight (line 4)");
    }
    expect(leftover.replace("merge_method: linear", "merge_method: linear\nmodel_stock: true"),
        "merge.yaml:2: model_stock: unknown key");
  }

  @Test
  void aCheckpointThatFailsToOpenIsReportedWithItsKey() throws IOException {
    Files.createDirectories(dir.resolve("models/empty"));
    expect("merge_method: ties\n" + TWO.replace("models/b\n", "models/empty\n"), "merge.yaml:7: models[2].model: cannot open checkpoint");
  }

  void expect(String yaml, String message) {
    assertThatThrownBy(() -> load(yaml).close()).as(yaml).isInstanceOf(MergeException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(e.getMessage()).startsWith(dir.resolve("merge.yaml").toString()));
  }

}
