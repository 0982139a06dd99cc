package io.cpt4j.checkpoint.internal;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.ConfigException;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.tokenize.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** A checkpoint directory in the Hugging Face layout. */
public final class DirectoryCheckpoint implements Checkpoint {
  private final Path directory;
  private final ModelConfig config;
  private final TensorStore store;
  private Tokenizer tokenizer;
  private boolean tokenizerLoaded;
  private boolean closed;

  private DirectoryCheckpoint(Path directory, ModelConfig config, TensorStore store) {
    this.directory = directory;
    this.config = config;
    this.store = store;
  }

  public static Checkpoint open(Path dir) {
    if (!Files.exists(dir)) {
      throw new CheckpointException(dir, "no such checkpoint directory");
    }
    if (!Files.isDirectory(dir)) {
      if (CheckpointFiles.isPickle(dir.getFileName().toString())) {
        throw CheckpointFiles.refusePickle(dir);
      }
      throw new CheckpointException(dir, "is a file: a checkpoint is a directory with config.json and "
          + "model.safetensors (open single safetensors files with Safetensors.open)");
    }
    TensorStore store = openStore(dir);
    try {
      Path configFile = dir.resolve(CheckpointFiles.CONFIG);
      if (!Files.isRegularFile(configFile)) {
        throw new ConfigException(dir, "config.json is missing: cpt4j needs the model configuration beside the weights");
      }
      ModelConfig config = HfConfigCodec.read(configFile);
      config.verifyTensors(dir, store.tensors());
      return new DirectoryCheckpoint(dir, config, store);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private static TensorStore openStore(Path dir) {
    Path index = dir.resolve(CheckpointFiles.INDEX);
    if (Files.isRegularFile(index)) {
      return ShardedSafetensors.open(index);
    }
    Path single = dir.resolve(CheckpointFiles.SINGLE);
    if (Files.isRegularFile(single)) {
      return MappedSafetensors.open(single);
    }
    Path pickle = CheckpointFiles.findPickle(dir);
    if (pickle != null) {
      throw CheckpointFiles.refusePickle(pickle);
    }
    List<String> others;
    try (Stream<Path> s = Files.list(dir)) {
      others = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).sorted().toList();
    } catch (IOException e) {
      throw new CheckpointException(dir, "cannot list directory: " + e.getMessage(), e);
    }
    throw new CheckpointException(dir, "no model.safetensors or model.safetensors.index.json"
        + (others.isEmpty() ? "" : " (found " + String.join(", ", others) + ": open those with Safetensors.open)"));
  }

  @Override
  public Path directory() {
    return directory;
  }

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public synchronized Optional<Tokenizer> tokenizer() {
    if (closed) {
      throw new CheckpointException(directory, "checkpoint is closed");
    }
    if (!tokenizerLoaded) {
      Path file = directory.resolve(CheckpointFiles.TOKENIZER);
      tokenizer = Files.isRegularFile(file) ? Tokenizer.open(file) : null;
      tokenizerLoaded = true;
    }
    return Optional.ofNullable(tokenizer);
  }

  @Override
  public List<TensorInfo> tensors() {
    return store.tensors();
  }

  @Override
  public Tensor tensor(String name) {
    return store.tensor(name);
  }

  @Override
  public boolean contains(String name) {
    return store.contains(name);
  }

  @Override
  public Map<String, String> metadata() {
    return store.metadata();
  }

  @Override
  public List<Path> files() {
    return store.files();
  }

  @Override
  public synchronized void close() {
    closed = true;
    store.close();
    if (tokenizer != null) {
      tokenizer.close();
      tokenizer = null;
    }
  }
}
