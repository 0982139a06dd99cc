package io.cpt4j.grow.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.internal.LayerConfigs;
import io.cpt4j.checkpoint.internal.RenamedTensor;
import io.cpt4j.grow.GrowthException;
import io.cpt4j.grow.GrowthReport;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Block expansion (see {@link io.cpt4j.grow.DepthGrowth}): the output's layer j is a renamed view of
 * a base layer, and each inserted layer a view of the last layer of its group with its output
 * projections replaced by zeros. Views stream from the base's memory-mapped files; nothing is held.
 * {@code config.json} is rewritten from the base's with the new layer count and per-layer lists
 * extended and written with the tensors by {@link GrownCheckpoints}. Stateless.
 */
final class BlockExpansion {
  private BlockExpansion() {}

  private static final Pattern LAYER = Pattern.compile("^(.*\\.layers)\\.(\\d+)\\.(.+)$");
  /** The tensors whose output enters the residual stream: zero in a new block. */
  static final Set<String> OUTPUT_PROJECTIONS = Set.of("self_attn.o_proj.weight", "self_attn.o_proj.bias",
      "mlp.down_proj.weight", "mlp.down_proj.bias", "attention.dense.weight", "attention.dense.bias",
      "mlp.dense_4h_to_h.weight", "mlp.dense_4h_to_h.bias");
  private static final Set<String> ATTENTION_OUT = Set.of("self_attn.o_proj.weight", "attention.dense.weight");
  private static final Set<String> MLP_OUT = Set.of("mlp.down_proj.weight", "mlp.dense_4h_to_h.weight");

  /** Zeros of a base tensor's shape and dtype, streamed. */
  private record Zeros(TensorInfo info) implements Tensor {
    @Override
    public MemorySegment bytes() {
      throw new UnsupportedOperationException("tensor " + info.name() + " is zeros: read it with readFloats");
    }

    @Override
    public void readFloats(long fromElement, float[] dst, int offset, int length) {
      Arrays.fill(dst, offset, offset + length, 0f);
    }
  }

  static GrowthReport write(Path base, int every, Path output, boolean overwrite) {
    try (Checkpoint ckpt = Checkpoint.open(base)) {
      int layers = ckpt.config().numLayers();
      if (layers % every != 0) {
        throw new GrowthException(base + " has " + layers + " layers, which " + every + " does not divide: choose an "
            + "interval among " + divisors(layers));
      }
      int[] source = new int[layers + layers / every]; // output layer -> base layer
      boolean[] inserted = new boolean[source.length];
      List<Integer> newLayers = new ArrayList<>();
      for (int i = 0, j = 0; i < layers; i++) {
        source[j++] = i;
        if ((i + 1) % every == 0) {
          source[j] = i;
          inserted[j] = true;
          newLayers.add(j++);
        }
      }
      String prefix = null;
      TreeMap<Integer, List<TensorInfo>> byLayer = new TreeMap<>();
      List<Tensor> head = new ArrayList<>();
      List<Tensor> tail = new ArrayList<>();
      for (TensorInfo t : ckpt.tensors()) {
        Matcher m = LAYER.matcher(t.name());
        if (m.matches()) {
          prefix = m.group(1);
          byLayer.computeIfAbsent(Integer.parseInt(m.group(2)), k -> new ArrayList<>()).add(t);
        } else {
          (byLayer.isEmpty() ? head : tail).add(ckpt.tensor(t.name()));
        }
      }
      if (prefix == null || byLayer.size() != layers) {
        throw new GrowthException(base + ": found tensors of " + byLayer.size() + " decoder layers, the config says "
            + layers);
      }
      List<Tensor> out = new ArrayList<>(head);
      for (int j = 0; j < source.length; j++) {
        List<TensorInfo> block = byLayer.get(source[j]);
        boolean attention = false;
        boolean mlp = false;
        for (TensorInfo t : block) {
          Matcher m = LAYER.matcher(t.name());
          m.matches();
          String suffix = m.group(3);
          TensorInfo renamed = new TensorInfo(prefix + "." + j + "." + suffix, t.dtype(), t.shape());
          boolean zero = inserted[j] && OUTPUT_PROJECTIONS.contains(suffix);
          attention |= zero && ATTENTION_OUT.contains(suffix);
          mlp |= zero && MLP_OUT.contains(suffix);
          out.add(zero ? new Zeros(renamed) : new RenamedTensor(renamed, ckpt.tensor(t.name())));
        }
        if (inserted[j] && !(attention && mlp)) {
          throw new GrowthException(base + ": layer " + source[j] + " has no attention and MLP output projections "
              + "cpt4j knows (" + String.join(", ", OUTPUT_PROJECTIONS.stream().sorted().toList()) + "), so a copy "
              + "cannot be made to add nothing");
        }
      }
      out.addAll(tail);
      GrownCheckpoints.write(ckpt, config(base, layers, source), out, output, overwrite,
          "depth every " + every + " from " + layers + " layers");
      String alternatives = String.join("|", newLayers.stream().map(String::valueOf).toList());
      return new GrowthReport(output, layers, source.length, newLayers,
          prefix.replace(".", "\\.") + "\\.(" + alternatives + ")\\..*");
    } catch (IOException e) {
      throw new CheckpointException(base, "cannot read config.json: " + e.getMessage(), e);
    }
  }

  /** The base's config.json with num_hidden_layers and every per-layer list following {@code source}. */
  static ObjectNode config(Path base, int layers, int[] source) throws IOException {
    ObjectNode root = GrownCheckpoints.config(base);
    if (root.has("sliding_window_pattern") && !root.has("layer_types")) {
      throw new GrowthException(base + ": its config places sliding-window layers by sliding_window_pattern; "
          + "inserting layers would shift the pattern (a config with layer_types can be grown)");
    }
    if (root.path("use_sliding_window").asBoolean(false) && root.has("max_window_layers")) {
      throw new GrowthException(base + ": max_window_layers with use_sliding_window cannot follow inserted layers");
    }
    return LayerConfigs.remap(root, layers, source);
  }

  private static List<Integer> divisors(int n) {
    List<Integer> out = new ArrayList<>();
    for (int d = 1; d <= n; d++) {
      if (n % d == 0) {
        out.add(d);
      }
    }
    return out;
  }
}
