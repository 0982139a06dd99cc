package io.cpt4j.checkpoint.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.MalformedCheckpointException;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Shards listed by a {@code model.safetensors.index.json}, seen as one store. The index's {@code
 * weight_map} must name exactly the tensors each shard holds; shard names must be plain file names
 * in the index's directory.
 */
public final class ShardedSafetensors implements TensorStore {
  private final List<MappedSafetensors> shards;
  private final Map<String, MappedSafetensors> owner;

  private ShardedSafetensors(List<MappedSafetensors> shards, Map<String, MappedSafetensors> owner) {
    this.shards = shards;
    this.owner = owner;
  }

  /** Opens every shard the index lists (closing those opened if one fails). */
  public static ShardedSafetensors open(Path index) {
    Map<String, String> weightMap = readWeightMap(index);
    Path dir = index.toAbsolutePath().getParent();
    Set<String> fileNames = new LinkedHashSet<>(weightMap.values());
    List<MappedSafetensors> shards = new ArrayList<>();
    Map<String, MappedSafetensors> owner = new LinkedHashMap<>();
    try {
      for (String name : fileNames) {
        Path shardFile = dir.resolve(name);
        if (!Files.isRegularFile(shardFile)) {
          throw new MalformedCheckpointException(index, "shard " + name + " listed in the weight_map is missing");
        }
        MappedSafetensors shard = MappedSafetensors.open(shardFile);
        shards.add(shard);
        for (TensorInfo t : shard.tensors()) {
          String listed = weightMap.get(t.name());
          if (listed == null) {
            throw new MalformedCheckpointException(index,
                "shard " + name + " holds tensor '" + t.name() + "' that the weight_map does not list");
          }
          if (!listed.equals(name)) {
            throw new MalformedCheckpointException(index,
                "tensor '" + t.name() + "' is in shard " + name + " but the weight_map places it in " + listed);
          }
          owner.put(t.name(), shard);
        }
      }
      for (Map.Entry<String, String> e : weightMap.entrySet()) {
        if (!owner.containsKey(e.getKey())) {
          throw new MalformedCheckpointException(index,
              "weight_map lists tensor '" + e.getKey() + "' in " + e.getValue() + " but that shard does not hold it");
        }
      }
    } catch (RuntimeException e) {
      shards.forEach(MappedSafetensors::close);
      throw e;
    }
    return new ShardedSafetensors(List.copyOf(shards), Collections.unmodifiableMap(owner));
  }

  static Map<String, String> readWeightMap(Path index) {
    JsonNode root;
    try {
      root = HfConfigCodec.JSON.readTree(Files.readAllBytes(index));
    } catch (NoSuchFileException e) {
      throw new CheckpointException(index, "no such file");
    } catch (IOException e) {
      throw new MalformedCheckpointException(index, "not a valid JSON index: " + firstLine(e.getMessage()), e);
    }
    if (root == null || !root.isObject()) {
      throw new MalformedCheckpointException(index, "index is not a JSON object");
    }
    JsonNode wm = root.get("weight_map");
    if (wm == null || !wm.isObject() || wm.isEmpty()) {
      throw new MalformedCheckpointException(index, "index has no weight_map object");
    }
    Map<String, String> m = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = wm.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new MalformedCheckpointException(index, "weight_map entry '" + e.getKey() + "' is not a file name");
      }
      String file = e.getValue().textValue();
      if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.equals(".") || file.equals("..")) {
        throw new MalformedCheckpointException(index,
            "weight_map entry '" + e.getKey() + "' names '" + file + "': shard names must be plain file names");
      }
      m.put(e.getKey(), file);
    }
    return m;
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  @Override
  public List<TensorInfo> tensors() {
    List<TensorInfo> out = new ArrayList<>();
    for (MappedSafetensors s : shards) {
      out.addAll(s.tensors());
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public Tensor tensor(String name) {
    MappedSafetensors s = owner.get(name);
    if (s == null) {
      throw new CheckpointException(shards.getFirst().file().getParent(), "no tensor named '" + name + "'");
    }
    return s.tensor(name);
  }

  @Override
  public boolean contains(String name) {
    return owner.containsKey(name);
  }

  @Override
  public Map<String, String> metadata() {
    return shards.getFirst().metadata();
  }

  @Override
  public List<Path> files() {
    List<Path> out = new ArrayList<>();
    for (MappedSafetensors s : shards) {
      out.add(s.file());
    }
    return List.copyOf(out);
  }

  @Override
  public void close() {
    shards.forEach(MappedSafetensors::close);
  }
}
