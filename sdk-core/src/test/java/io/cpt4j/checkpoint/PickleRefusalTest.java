package io.cpt4j.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PyTorch pickle checkpoints are refused, never opened: unpickling runs code from the file. */
class PickleRefusalTest {
  @TempDir Path tmp;

  private Path garbage(String name) throws Exception {
    byte[] bytes = new byte[256];
    new Random(name.hashCode()).nextBytes(bytes);
    bytes[0] = (byte) 0x80; // pickle protocol marker, for realism
    return Files.write(tmp.resolve(name), bytes);
  }

  @Test
  void aDirectoryWithOnlyPytorchModelBinIsRefused() throws Exception {
    Path bin = garbage("pytorch_model.bin");
    Files.writeString(tmp.resolve("config.json"), TestCheckpoints.configJson(TestCheckpoints.tinyLlama()));
    assertThatThrownBy(() -> Checkpoint.open(tmp))
        .isExactlyInstanceOf(UnsafeFormatException.class)
        .hasMessageContaining("pytorch_model.bin")
        .hasMessageContaining("safetensors")
        .satisfies(e -> assertThat(((CheckpointException) e).path()).hasValue(bin));
  }

  @Test
  void aDirectoryWithShardedPickleFilesIsRefused() throws Exception {
    garbage("pytorch_model-00001-of-00002.bin");
    garbage("pytorch_model-00002-of-00002.bin");
    Files.writeString(tmp.resolve("pytorch_model.bin.index.json"), "{\"weight_map\": {}}");
    assertThatThrownBy(() -> Checkpoint.open(tmp))
        .isExactlyInstanceOf(UnsafeFormatException.class).hasMessageContaining("safetensors");
  }

  @ParameterizedTest
  @ValueSource(strings = {"x.pt", "model.pth", "last.ckpt", "pytorch_model.bin", "weights.pkl", "MODEL.PT"})
  void safetensorsOpenRefusesPickleFiles(String name) throws Exception {
    Path file = garbage(name);
    assertThatThrownBy(() -> Safetensors.open(file))
        .isExactlyInstanceOf(UnsafeFormatException.class)
        .hasMessageContaining(name)
        .hasMessageContaining("safetensors");
  }

  @Test
  void aPickleFileThatDoesNotExistIsStillRefusedByName() {
    assertThatThrownBy(() -> Safetensors.open(tmp.resolve("absent.pt"))).isExactlyInstanceOf(UnsafeFormatException.class);
  }

  @Test
  void checkpointOpenOnAPickleFileIsRefused() throws Exception {
    Path file = garbage("model.pt");
    assertThatThrownBy(() -> Checkpoint.open(file)).isExactlyInstanceOf(UnsafeFormatException.class)
        .hasMessageContaining("safetensors");
  }

  @Test
  void safetensorsBesidePickleFilesAreUsed() throws Exception {
    ModelConfig config = TestCheckpoints.tinyLlama();
    Path dir = tmp.resolve("both");
    CheckpointWriter.to(dir).config(config).write(TestCheckpoints.randomTensors(config, 1));
    Files.copy(garbage("pytorch_model.bin"), dir.resolve("pytorch_model.bin"));
    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThat(c.files()).extracting(p -> p.getFileName().toString()).containsExactly("model.safetensors");
    }
  }
}
