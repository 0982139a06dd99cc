package io.cpt4j.grow.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorNames;
import io.cpt4j.grow.GrowthException;
import io.cpt4j.grow.WidthGrowthReport;
import io.cpt4j.merge.internal.engine.Derivation;
import io.cpt4j.merge.internal.engine.DerivedTensor;
import io.cpt4j.merge.internal.engine.Scratch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Width growth by neuron splitting (see {@link io.cpt4j.grow.WidthGrowth}): with {@code from[j]} the
 * base neuron that grown neuron {@code j} copies, every layer's input-side MLP tensors (gate and up
 * projections, weights and biases: {@code [intermediate, ...]}) become row gathers by {@code from},
 * and its down projection ({@code [hidden, intermediate]}) a column gather in which each column is
 * divided by the number of grown neurons sharing its base neuron. The gathers are {@link
 * DerivedTensor}s computed from the base's memory-mapped files chunk by chunk as the writer asks;
 * every other tensor is the base's. Stateless.
 */
final class NeuronSplitting {
  private NeuronSplitting() {}

  /** Rows of a {@code [before, ...]} tensor gathered by {@code from}: a {@code [from.length, ...]} tensor. */
  private record GatheredRows(Tensor source, int[] from, long rowLength) implements Derivation {
    @Override
    public long count() {
      return from.length * rowLength;
    }

    @Override
    public void compute(long start, int n, float[] out, int off, Scratch scratch) {
      while (n > 0) {
        int row = (int) (start / rowLength);
        long column = start % rowLength;
        int k = (int) Math.min(n, rowLength - column);
        source.readFloats(from[row] * rowLength + column, out, off, k);
        start += k;
        off += k;
        n -= k;
      }
    }
  }

  /**
   * Columns of a {@code [rows, before]} tensor gathered by {@code from}, each divided by {@code
   * copies} of its base column: a {@code [rows, from.length]} tensor whose rows sum as the base's.
   */
  private record SplitColumns(Tensor source, int[] from, int[] copies) implements Derivation {
    @Override
    public long count() {
      return source.elementCount() / copies.length * from.length;
    }

    @Override
    public void compute(long start, int n, float[] out, int off, Scratch scratch) {
      float[] row = new float[copies.length]; // the base row being read
      long loaded = -1;
      while (n > 0) {
        long r = start / from.length;
        int column = (int) (start % from.length);
        if (r != loaded) {
          source.readFloats(r * copies.length, row, 0, copies.length);
          loaded = r;
        }
        int k = Math.min(n, from.length - column);
        for (int i = 0; i < k; i++) {
          int g = from[column + i];
          out[off + i] = row[g] / copies[g]; // x / 1 is x: unsplit neurons stay bit-identical
        }
        start += k;
        off += k;
        n -= k;
      }
    }
  }

  static WidthGrowthReport write(Path base, int size, long seed, Path output, boolean overwrite) {
    try (Checkpoint ckpt = Checkpoint.open(base)) {
      ModelConfig config = ckpt.config();
      int before = config.intermediateSize();
      if (size <= before) {
        throw new GrowthException(base + " has an MLP intermediate size of " + before + ", so " + size + " would not "
            + "grow it: width growth only adds neurons (ask for more than " + before + ")");
      }
      int[] from = mapping(before, size, seed);
      int[] copies = new int[before];
      for (int g : from) {
        copies[g]++;
      }
      TensorNames names = config.names();
      Set<String> inputSide = new HashSet<>();
      Set<String> outputSide = new HashSet<>();
      for (int layer = 0; layer < config.numLayers(); layer++) {
        String prefix = names.layer(layer);
        Stream.of(names.gate(), names.up()).filter(Objects::nonNull)
            .forEach(p -> inputSide.addAll(List.of(prefix + p + ".weight", prefix + p + ".bias")));
        outputSide.add(prefix + names.down() + ".weight"); // its bias is per hidden unit: unchanged
      }
      List<Tensor> out = new ArrayList<>();
      for (TensorInfo t : ckpt.tensors()) {
        Tensor source = ckpt.tensor(t.name());
        long[] shape = t.shape().stream().mapToLong(Long::longValue).toArray();
        if (inputSide.contains(t.name())) {
          shape[0] = size;
          out.add(DerivedTensor.of(TensorInfo.of(t.name(), t.dtype(), shape),
              new GatheredRows(source, from, t.elementCount() / before)));
        } else if (outputSide.contains(t.name())) {
          shape[1] = size;
          out.add(DerivedTensor.of(TensorInfo.of(t.name(), t.dtype(), shape), new SplitColumns(source, from, copies)));
        } else {
          out.add(source);
        }
      }
      ObjectNode json = GrownCheckpoints.config(base);
      json.put("intermediate_size", size);
      GrownCheckpoints.write(ckpt, json, out, output, overwrite,
          "width: MLP intermediate " + before + " -> " + size + ", seed " + seed);
      List<Integer> copied = Arrays.stream(from, before, size).boxed().toList();
      String mlp = String.join("|", Stream.of(names.gate(), names.up(), names.down()).filter(Objects::nonNull)
          .map(p -> p.replace(".", "\\.")).toList());
      return new WidthGrowthReport(output, before, size, copied,
          names.layers().replace(".", "\\.") + "\\d+\\.(" + mlp + ")\\..*");
    } catch (IOException e) {
      throw new CheckpointException(base, "cannot read config.json: " + e.getMessage(), e);
    }
  }

  /**
   * The base neuron each grown neuron copies: itself for the first {@code before}, then uniformly
   * drawn with {@link Random} (its sequence is specified, so a seed gives the same mapping on every JVM).
   */
  static int[] mapping(int before, int size, long seed) {
    Random random = new Random(seed);
    int[] from = new int[size];
    for (int j = 0; j < size; j++) {
      from[j] = j < before ? j : random.nextInt(before);
    }
    return from;
  }
}
