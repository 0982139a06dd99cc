package io.cpt4j.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.lora.LoraApplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mergekit's {@code model: MODEL+ADAPTER} inputs: the adapter (a PEFT adapter from the LoRA golden
 * set) is merged into its model in a temporary checkpoint, which the merge reads like any input and
 * which is deleted when the config closes.
 */
class AdapterInputTest {
  private static final Path GOLDEN = Path.of("src/test/resources/lora-golden").toAbsolutePath();
  @TempDir Path dir;

  private Path yaml(String model) throws IOException {
    return Files.writeString(dir.resolve("merge.yaml"), """
        merge_method: linear
        models:
          - model: %s
            parameters: {weight: 1.0}
        dtype: float32
        """.formatted(model));
  }

  @Test
  void aModelPlusAdapterMergesAsTheAppliedAdapterAndLeavesNoTemporaryFiles() throws IOException {
    Path applied = dir.resolve("applied");
    LoraApplication.of(GOLDEN.resolve("base"), GOLDEN.resolve("adapter-alpha")).writeTo(applied);
    List<Path> tempBefore = temporaries();
    Path out = dir.resolve("out");
    try (MergeConfig c = MergeConfig.load(yaml(GOLDEN.resolve("base") + "+" + GOLDEN.resolve("adapter-alpha")))) {
      c.writeTo(out, false);
      assertThat(temporaries()).hasSize(tempBefore.size() + 1); // the merged adapter, while the config is open
    }
    assertThat(temporaries()).containsExactlyInAnyOrderElementsOf(tempBefore);
    try (Checkpoint want = Checkpoint.open(applied); Checkpoint got = Checkpoint.open(out)) {
      for (var t : want.tensors()) {
        assertThat(got.tensor(t.name()).toFloatArray()).as(t.name()).containsExactly(want.tensor(t.name()).toFloatArray());
      }
    }
  }

  @Test
  void relativePathsResolveAgainstTheConfigAndABrokenAdapterIsOneMergeError() throws IOException {
    Files.createDirectories(dir.resolve("adapters/broken"));
    Files.writeString(dir.resolve("adapters/broken/adapter_config.json"), "{\"peft_type\": \"LORA\"}");
    Files.createSymbolicLink(dir.resolve("base"), GOLDEN.resolve("base"));
    assertThatThrownBy(() -> MergeConfig.load(yaml("base+adapters/broken")).close())
        .isInstanceOf(MergeException.class)
        .hasMessageContaining("models[0].model")
        .hasMessageContaining("cannot apply the adapter of " + dir.resolve("base") + "+" + dir.resolve("adapters/broken"));
    assertThatThrownBy(() -> MergeConfig.load(yaml("base+adapters/none")).close())
        .isInstanceOf(MergeException.class).hasMessageContaining("is not a directory");
  }

  private static List<Path> temporaries() throws IOException {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.filter(p -> p.getFileName().toString().startsWith("cpt4j-lora-")).toList();
    }
  }
}
