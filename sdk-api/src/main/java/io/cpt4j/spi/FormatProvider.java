package io.cpt4j.spi;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Service-provider interface behind {@link Checkpoint#open}, {@link CheckpointWriter} and {@link
 * ModelConfig#read} (tokenizers: {@link TokenizerProvider}). {@code sdk-core} registers the implementation in
 * {@code META-INF/services}; users do not implement it.
 */
public interface FormatProvider {
  Checkpoint open(Path directory);

  TensorStore openSafetensors(Path file);

  void writeSafetensors(Path file, List<? extends Tensor> tensors, DType dtype, Map<String, String> metadata);

  List<Path> writeCheckpoint(CheckpointWriter writer, List<? extends Tensor> tensors);

  ModelConfig readConfig(Path configJson);

  List<Integer> declaredEosTokenIds(Path modelDir);
}
