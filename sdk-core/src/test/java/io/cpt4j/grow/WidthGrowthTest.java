package io.cpt4j.grow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorNames;
import io.cpt4j.checkpoint.TestCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Neuron splitting keeps the function: on every family the widened model's log-probabilities equal
 * the base's (1e-5, F32); config.json changes only in intermediate_size; the MLP tensors are the
 * base's rows and columns gathered (outgoing weights divided by their group's size) and every other
 * tensor is bit-identical; a seed fixes the files; a size that does not grow, a missing base and an
 * occupied output are refused and write nothing.
 */
class WidthGrowthTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  static Stream<Arguments> families() {
    ModelConfig gemma3 = TestCheckpoints.tinyGemma3();
    return Stream.of(
        Arguments.of("llama-gqa", TestCheckpoints.tinyLlamaGqa()),
        Arguments.of("llama-all-biases", TestCheckpoints.tinyLlamaGqa().newBuilder().qkvBias(true)
            .attentionOutputBias(true).mlpBias(true).build()),
        Arguments.of("mistral-sliding-window", TestCheckpoints.tinyLlamaGqa().newBuilder().hfClass("MistralForCausalLM")
            .modelType("mistral").slidingWindowEverywhere(3).build()),
        Arguments.of("qwen2-qkv-bias", TestCheckpoints.tinyQwen2()),
        Arguments.of("qwen3-qk-norm", TestCheckpoints.tinyQwen3()),
        Arguments.of("gemma3-local-global", gemma3),
        Arguments.of("gemma3-softcap-untied", gemma3.newBuilder().finalLogitSoftcap(3.0).tieWordEmbeddings(false)
            .build()),
        Arguments.of("neox-parallel", TestCheckpoints.tinyNeox()),
        Arguments.of("neox-sequential-tied", TestCheckpoints.tinyNeox().newBuilder().parallelResidual(false)
            .tieWordEmbeddings(true).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("families")
  void widenedMlpsKeepTheFunction(String name, ModelConfig config) throws IOException {
    Path base = GrowthFixtures.base(tmp.resolve(name), config, 5);
    int size = config.intermediateSize() * 2 + 5; // groups of one to several copies
    WidthGrowthReport report = WidthGrowth.of(base).intermediateSize(size).seed(11).writeTo(tmp.resolve(name + "-w"));
    assertThat(report.sizeBefore()).isEqualTo(config.intermediateSize());
    assertThat(report.sizeAfter()).isEqualTo(size);
    assertThat(report.copiedFrom()).hasSize(size - config.intermediateSize())
        .allMatch(g -> g >= 0 && g < config.intermediateSize());
    double worst = GrowthFixtures.largestLogprobDifference(base, report.output(), config.vocabSize(), 1e-5);
    System.out.printf("width growth %s: largest |log-prob difference| %.2e%n", name, worst);

    ObjectNode expected = (ObjectNode) JSON.readTree(base.resolve("config.json").toFile());
    expected.put("intermediate_size", size);
    assertThat(JSON.readTree(report.output().resolve("config.json").toFile())).isEqualTo(expected);
    assertThat(report.output().resolve("generation_config.json")).hasSameTextualContentAs(
        base.resolve("generation_config.json"));
    assertGathered(base, report);
  }

  /** MLP tensors gathered from the base by {@code copiedFrom}, everything else bit-identical. */
  private static void assertGathered(Path base, WidthGrowthReport report) {
    int before = report.sizeBefore();
    int[] from = new int[report.sizeAfter()];
    int[] copies = new int[before];
    for (int j = 0; j < from.length; j++) {
      from[j] = j < before ? j : report.copiedFrom().get(j - before);
      copies[from[j]]++;
    }
    try (Checkpoint b = Checkpoint.open(base); Checkpoint w = Checkpoint.open(report.output())) {
      assertThat(w.config().intermediateSize()).isEqualTo(report.sizeAfter());
      assertThat(w.tensors()).hasSameSizeAs(b.tensors());
      TensorNames n = b.config().names();
      String down = n.down() + ".weight";
      for (var info : b.tensors()) {
        Tensor old = b.tensor(info.name());
        Tensor grown = w.tensor(info.name());
        assertThat(grown.dtype()).isEqualTo(old.dtype());
        boolean inputSide = Stream.of(n.gate(), n.up()).anyMatch(p -> p != null && info.name().contains("." + p + "."));
        if (inputSide) { // [size, ...]: row j is base row from[j]
          long row = old.elementCount() / before;
          assertThat(grown.shape().getFirst()).isEqualTo(report.sizeAfter());
          float[] o = old.toFloatArray();
          float[] g = grown.toFloatArray();
          for (int j = 0; j < from.length; j++) {
            for (int k = 0; k < row; k++) {
              assertThat(g[(int) (j * row + k)]).isEqualTo(o[(int) (from[j] * row + k)]);
            }
          }
        } else if (info.name().endsWith(down)) { // [hidden, size]: column j is base column from[j] / copies
          assertThat(grown.shape()).containsExactly(old.shape().getFirst(), (long) report.sizeAfter());
          float[] o = old.toFloatArray();
          float[] g = grown.toFloatArray();
          for (int r = 0; r < old.shape().getFirst(); r++) {
            for (int j = 0; j < from.length; j++) {
              assertThat(g[r * from.length + j]).isEqualTo(o[r * before + from[j]] / copies[from[j]]);
            }
          }
        } else {
          assertThat(grown.shape()).isEqualTo(old.shape());
          assertThat(grown.bytes().mismatch(old.bytes())).as(info.name()).isEqualTo(-1L);
        }
      }
      assertThat(w.tensors().stream().map(t -> t.name()).filter(s -> s.matches(report.trainablePattern())))
          .hasSize(b.config().numLayers() * (n.gate() == null ? 2 : 3)
              + (int) b.tensors().stream().filter(t -> t.name().matches(".*mlp.*\\.bias")).count());
    }
  }

  @Test
  void tensorsLargerThanAWriteChunkAreGatheredAcrossChunkBoundariesMidRow() {
    ModelConfig config = TestCheckpoints.tinyLlama().newBuilder().hiddenSize(48).intermediateSize(1000).numLayers(1)
        .build(); // 1500 x 48 and 48 x 1500 grown tensors: 72,000 elements, written in chunks of 65,536
    Path base = GrowthFixtures.base(tmp.resolve("big"), config, 4);
    WidthGrowthReport report = WidthGrowth.of(base).intermediateSize(1500).writeTo(tmp.resolve("big-w"));
    assertGathered(base, report);
    GrowthFixtures.largestLogprobDifference(base, report.output(), config.vocabSize(), 1e-5);
  }

  @Test
  void aSeedFixesTheFilesAndAnotherSeedChoosesOtherNeurons() throws IOException {
    Path base = GrowthFixtures.base(tmp.resolve("b"), TestCheckpoints.tinyLlama(), 1);
    WidthGrowthReport a = WidthGrowth.of(base).intermediateSize(40).seed(7).writeTo(tmp.resolve("a"));
    WidthGrowthReport again = WidthGrowth.of(base).intermediateSize(40).seed(7).writeTo(tmp.resolve("again"));
    WidthGrowthReport other = WidthGrowth.of(base).intermediateSize(40).seed(8).writeTo(tmp.resolve("other"));
    assertThat(again.copiedFrom()).isEqualTo(a.copiedFrom());
    assertThat(other.copiedFrom()).isNotEqualTo(a.copiedFrom());
    try (var files = Files.list(a.output())) {
      for (Path f : files.toList()) {
        assertThat(Files.mismatch(f, again.output().resolve(f.getFileName()))).as(f.toString()).isEqualTo(-1L);
      }
    }
    assertThat(a.describe()).startsWith("MLP intermediate 24 -> 40 (16 new neurons copying ")
        .contains("model\\.layers\\.\\d+\\.(mlp\\.gate_proj|mlp\\.up_proj|mlp\\.down_proj)\\..*");
  }

  @Test
  void bf16StaysBf16WithDividedColumnsRoundedToBf16() {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path f32 = GrowthFixtures.base(tmp.resolve("f32"), config, 2);
    Path base = tmp.resolve("bf16");
    try (Checkpoint c = Checkpoint.open(f32)) {
      CheckpointWriter.to(base).copyFilesFrom(c).dtype(DType.BF16)
          .write(c.tensors().stream().map(t -> c.tensor(t.name())).toList());
    }
    WidthGrowthReport report = WidthGrowth.of(base).intermediateSize(61).writeTo(tmp.resolve("wide"));
    try (Checkpoint w = Checkpoint.open(report.output()); Checkpoint b = Checkpoint.open(base)) {
      assertThat(w.tensors()).allMatch(t -> t.dtype() == DType.BF16);
      int[] copies = new int[report.sizeBefore()];
      for (int j = 0; j < report.sizeAfter(); j++) {
        copies[j < report.sizeBefore() ? j : report.copiedFrom().get(j - report.sizeBefore())]++;
      }
      float[] o = b.tensor("model.layers.0.mlp.down_proj.weight").toFloatArray();
      float[] g = w.tensor("model.layers.0.mlp.down_proj.weight").toFloatArray();
      for (int i = 0; i < report.sizeBefore(); i++) {
        assertThat(g[i]).isEqualTo(TestCheckpoints.referenceBf16(o[i] / copies[i]));
      }
    }
    double worst = GrowthFixtures.largestLogprobDifference(base, report.output(), config.vocabSize(), 1e-3);
    System.out.printf("width growth llama BF16: largest |log-prob difference| %.2e%n", worst);
  }

  @Test
  void aSizeThatDoesNotGrowIsRefusedAndWritesNothing() {
    Path base = GrowthFixtures.base(tmp.resolve("b"), TestCheckpoints.tinyNeox(), 1);
    for (int size : new int[] {48, 30}) {
      assertThatThrownBy(() -> WidthGrowth.of(base).intermediateSize(size).writeTo(tmp.resolve("out")))
          .isInstanceOf(GrowthException.class)
          .hasMessage(base + " has an MLP intermediate size of 48, so " + size + " would not grow it: width growth "
              + "only adds neurons (ask for more than 48)");
    }
    assertThatThrownBy(() -> WidthGrowth.of(base).writeTo(tmp.resolve("out"))).isInstanceOf(GrowthException.class)
        .hasMessageContaining("intermediateSize");
    assertThatThrownBy(() -> WidthGrowth.of(base).intermediateSize(0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(tmp.resolve("out")).doesNotExist();
  }

  @Test
  void aMissingBaseAndAnOccupiedOutputAreRefused() throws IOException {
    assertThatThrownBy(() -> WidthGrowth.of(tmp.resolve("nothing")).intermediateSize(64).writeTo(tmp.resolve("out")))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("no such checkpoint directory");
    assertThat(tmp.resolve("out")).doesNotExist();
    Path base = GrowthFixtures.base(tmp.resolve("b"), TestCheckpoints.tinyLlama(), 1);
    Path occupied = Files.createDirectories(tmp.resolve("occupied"));
    Files.writeString(occupied.resolve("notes.txt"), "mine");
    assertThatThrownBy(() -> WidthGrowth.of(base).intermediateSize(32).writeTo(occupied))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("not empty");
    try (var files = Files.list(occupied)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).isEqualTo(List.of("notes.txt"));
    }
    WidthGrowth.of(base).intermediateSize(32).overwrite(true).writeTo(occupied);
    try (Checkpoint c = Checkpoint.open(occupied)) {
      assertThat(c.config().intermediateSize()).isEqualTo(32);
    }
    assertThat(occupied.resolve("notes.txt")).doesNotExist();
  }
}
