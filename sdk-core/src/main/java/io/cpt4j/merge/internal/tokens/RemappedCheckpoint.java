package io.cpt4j.merge.internal.tokens;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An input seen through the output vocabulary: its vocabulary tensors ({@link
 * VocabularyTensors#is}) are {@link RemappedTensor}s with the output's row count, its config has the
 * output's {@code vocab_size}, everything else is the input's own. Closing it does nothing (the merge
 * does not close its inputs). Thread-safe for reads.
 */
final class RemappedCheckpoint implements Checkpoint {
  private final VocabularyRemap remap;
  private final int input;
  private final Checkpoint raw;
  private final ModelConfig config;

  RemappedCheckpoint(VocabularyRemap remap, int input) {
    this.remap = remap;
    this.input = input;
    this.raw = remap.inputs.get(input);
    this.config = raw.config().newBuilder().vocabSize(remap.rows).build();
  }

  private boolean remapped(String name) {
    return VocabularyTensors.is(name) && raw.tensor(name).shape().size() == 2;
  }

  @Override
  public List<TensorInfo> tensors() {
    List<TensorInfo> out = new ArrayList<>();
    for (TensorInfo t : raw.tensors()) {
      out.add(remapped(t.name()) ? new TensorInfo(t.name(), t.dtype(), List.of((long) remap.rows, t.shape().get(1)))
          : t);
    }
    return out;
  }

  @Override
  public Tensor tensor(String name) {
    return remapped(name) ? new RemappedTensor(remap, input, name) : raw.tensor(name);
  }

  @Override
  public boolean contains(String name) {
    return raw.contains(name);
  }

  @Override
  public Map<String, String> metadata() {
    return raw.metadata();
  }

  @Override
  public List<Path> files() {
    return raw.files();
  }

  @Override
  public Path directory() {
    return raw.directory();
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public Optional<Tokenizer> tokenizer() {
    return raw.tokenizer();
  }

  @Override
  public void close() {}
}
