package io.cpt4j.checkpoint.internal;

import io.cpt4j.files.AtomicFiles;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.spi.FormatProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The sdk-core implementation of the format SPI (registered in META-INF/services). */
public final class CoreFormatProvider implements FormatProvider {

  @Override
  public Checkpoint open(Path directory) {
    return DirectoryCheckpoint.open(directory);
  }

  @Override
  public TensorStore openSafetensors(Path file) {
    String name = file.getFileName().toString();
    if (CheckpointFiles.isPickle(name)) {
      throw CheckpointFiles.refusePickle(file);
    }
    if (Files.isDirectory(file)) {
      throw new CheckpointException(file, "is a directory: open checkpoint directories with Checkpoint.open");
    }
    return name.endsWith(".index.json") ? ShardedSafetensors.open(file) : MappedSafetensors.open(file);
  }

  @Override
  public void writeSafetensors(Path file, List<? extends Tensor> tensors, DType dtype, Map<String, String> metadata) {
    Set<String> names = new HashSet<>();
    for (Tensor t : tensors) {
      if (!names.add(t.name())) {
        throw new CheckpointException(file, "tensor '" + t.name() + "' is given twice");
      }
    }
    try {
      AtomicFiles.write(file, tmp -> SafetensorsWriter.write(tmp, tensors, dtype, metadata, n -> {}));
    } catch (IOException | java.io.UncheckedIOException e) { // unchecked: a tensor source failed to read
      throw new CheckpointException(file, "writing failed, nothing was changed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<Path> writeCheckpoint(CheckpointWriter writer, List<? extends Tensor> tensors) {
    return CheckpointWriting.write(writer, tensors);
  }

  @Override
  public ModelConfig readConfig(Path configJson) {
    return HfConfigCodec.read(configJson);
  }

  @Override
  public List<Integer> declaredEosTokenIds(Path modelDir) {
    return HfConfigCodec.declaredEosTokenIds(modelDir);
  }
}
