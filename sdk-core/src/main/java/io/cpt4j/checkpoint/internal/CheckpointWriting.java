package io.cpt4j.checkpoint.internal;

import io.cpt4j.files.AtomicFiles;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Writes a checkpoint directory: plans shards, streams them into a hidden staging directory next to
 * the target, writes the index and auxiliary files, fsyncs, and renames the staging directory into
 * place. On failure the staging directory is removed and the target is untouched.
 */
public final class CheckpointWriting {
  private CheckpointWriting() {}

  public static List<Path> write(CheckpointWriter w, List<? extends Tensor> tensors) {
    Path target = w.directory().toAbsolutePath();
    List<TensorInfo> infos = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Tensor t : tensors) {
      if (!names.add(t.name())) {
        throw new CheckpointException(target, "tensor '" + t.name() + "' is given twice");
      }
      infos.add(SafetensorsWriter.outputInfo(t, w.dtype()));
    }
    Optional<ObjectNode> configJson = configJson(w);
    Optional<ModelConfig> config = w.config().or(() -> w.copyFrom().map(Checkpoint::config));
    config.ifPresent(c -> c.verifyTensors(target, infos));
    checkTarget(target, w.overwrite());

    List<List<Integer>> shards = plan(infos, w.maxShardSize());
    long total = infos.stream().mapToLong(TensorInfo::byteSize).sum();
    Path staging = AtomicFiles.temporarySibling(target, "partial");
    try {
      Files.createDirectories(staging);
      long[] done = {0};
      LongConsumer progress = n -> {
        done[0] += n;
        w.progress().update(done[0], total);
      };
      List<Path> written = new ArrayList<>();
      Map<String, String> weightMap = new LinkedHashMap<>();
      for (int s = 0; s < shards.size(); s++) {
        String name = shards.size() == 1 ? CheckpointFiles.SINGLE : CheckpointFiles.shardName(s, shards.size());
        List<Tensor> part = new ArrayList<>();
        for (int i : shards.get(s)) {
          part.add(tensors.get(i));
          weightMap.put(infos.get(i).name(), name);
        }
        SafetensorsWriter.write(staging.resolve(name), part, w.dtype(), w.metadata(), progress);
        written.add(target.resolve(name));
      }
      if (shards.size() > 1) {
        writeIndex(staging.resolve(CheckpointFiles.INDEX), total, weightMap);
        written.add(target.resolve(CheckpointFiles.INDEX));
      }
      if (configJson.isPresent()) {
        Files.write(staging.resolve(CheckpointFiles.CONFIG), HfConfigCodec.bytes(configJson.get()));
        AtomicFiles.fsync(staging.resolve(CheckpointFiles.CONFIG));
        written.add(target.resolve(CheckpointFiles.CONFIG));
      }
      Optional<Checkpoint> auxFrom = w.tokenizerFrom().or(w::copyFrom);
      if (auxFrom.isPresent()) {
        for (String aux : CheckpointFiles.AUXILIARY) {
          Path src = auxFrom.get().directory().resolve(aux);
          if (Files.isRegularFile(src)) {
            Files.copy(src, staging.resolve(aux));
            AtomicFiles.fsync(staging.resolve(aux));
            written.add(target.resolve(aux));
          }
        }
      }
      for (Path extra : w.extraFiles()) {
        Path dst = staging.resolve(extra.getFileName().toString());
        Files.copy(extra, dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        AtomicFiles.fsync(dst);
        if (!written.contains(target.resolve(dst.getFileName()))) {
          written.add(target.resolve(dst.getFileName()));
        }
      }
      AtomicFiles.fsyncDirectory(staging);
      AtomicFiles.replaceDirectory(target, staging);
      return List.copyOf(written);
    } catch (IOException | java.io.UncheckedIOException e) { // unchecked: a tensor source failed to read
      throw new CheckpointException(target, "writing failed, nothing was changed: " + e.getMessage(), e);
    } finally {
      try {
        AtomicFiles.deleteTree(staging);
      } catch (IOException ignored) {
        // Best effort: a leftover hidden staging directory never shadows the checkpoint.
      }
    }
  }

  /** config.json keys that name special tokens: they go with the tokenizer files. */
  static final List<String> SPECIAL_TOKEN_IDS = List.of("bos_token_id", "eos_token_id", "pad_token_id");

  private static Optional<ObjectNode> configJson(CheckpointWriter w) {
    ObjectNode json;
    if (w.config().isPresent()) {
      json = HfConfigCodec.toJson(w.config().get());
    } else if (w.copyFrom().isPresent()) {
      json = HfConfigCodec.readTree(w.copyFrom().get().directory().resolve(CheckpointFiles.CONFIG));
    } else {
      return Optional.empty();
    }
    if (w.tokenizerFrom().isPresent()) { // the special-token ids follow the tokenizer files
      ObjectNode ids = HfConfigCodec.readTree(w.tokenizerFrom().get().directory().resolve(CheckpointFiles.CONFIG));
      for (String key : SPECIAL_TOKEN_IDS) {
        if (ids.hasNonNull(key)) {
          json.set(key, ids.get(key));
        } else {
          json.remove(key);
        }
      }
    }
    if (w.dtype() != null) {
      json.put("torch_dtype", w.dtype().torchName());
      if (json.has("dtype")) {
        json.put("dtype", w.dtype().torchName());
      }
    }
    return Optional.of(json);
  }

  /** Greedy in-order sharding as transformers does: a new shard when the next tensor would overflow. */
  static List<List<Integer>> plan(List<TensorInfo> infos, long maxShardSize) {
    List<List<Integer>> shards = new ArrayList<>();
    List<Integer> current = new ArrayList<>();
    long size = 0;
    for (int i = 0; i < infos.size(); i++) {
      long b = infos.get(i).byteSize();
      if (!current.isEmpty() && size + b > maxShardSize) {
        shards.add(current);
        current = new ArrayList<>();
        size = 0;
      }
      current.add(i);
      size += b;
    }
    shards.add(current);
    return shards;
  }

  private static void writeIndex(Path file, long total, Map<String, String> weightMap) throws IOException {
    ObjectNode root = HfConfigCodec.JSON.createObjectNode();
    root.putObject("metadata").put("total_size", total);
    ObjectNode wm = root.putObject("weight_map");
    weightMap.forEach(wm::put);
    Files.write(file, HfConfigCodec.bytes(root));
    AtomicFiles.fsync(file);
  }

  /** Refuses a target that is a file, or a non-empty directory unless {@code overwrite}; shared with the adapter writer. */
  public static void checkTarget(Path target, boolean overwrite) {
    if (Files.exists(target) && !Files.isDirectory(target)) {
      throw new CheckpointException(target, "exists and is not a directory");
    }
    if (!overwrite && Files.isDirectory(target) && !isEmpty(target)) {
      throw new CheckpointException(target, "directory exists and is not empty (choose another output or overwrite)");
    }
  }

  private static boolean isEmpty(Path dir) {
    try (var s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      throw new CheckpointException(dir, "cannot list: " + e.getMessage(), e);
    }
  }
}
