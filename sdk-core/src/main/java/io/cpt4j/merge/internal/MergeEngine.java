package io.cpt4j.merge.internal;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.Merge;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeInput;
import io.cpt4j.merge.MergeReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link Merge}: checks the inputs agree, then hands the checkpoint writer one lazy tensor
 * per output tensor (in the target's order) whose values are computed from the memory-mapped inputs
 * when written. Stateless; one instance may run several merges at once.
 */
final class MergeEngine {
  /** Mismatches listed in an error before it says "and N more". */
  static final int LISTED_MISMATCHES = 5;

  MergeReport run(Merge merge, Path output) {
    long start = System.nanoTime();
    checkInputsAgree(merge);
    boolean interpolation = InterpolationMerges.handles(merge); // slerp, model_stock (whole-tensor wiring)
    TaskArithmeticKernel.Rule rule = interpolation ? null : TaskArithmeticKernel.Rule.of(merge.method());
    int numLayers = merge.target().config().numLayers();
    List<Tensor> out = new ArrayList<>();
    int merged = 0;
    long inputBytes = 0;
    for (TensorInfo t : merge.target().tensors()) {
      String name = t.name();
      if (!t.dtype().isFloatingPoint() || !merge.merges(name)) {
        out.add(merge.target().tensor(name));
        continue;
      }
      merged++;
      if (interpolation) {
        inputBytes += InterpolationMerges.bytesRead(merge, name);
        out.add(new MergedTensor(t, InterpolationMerges.values(merge, name, numLayers)));
        continue;
      }
      inputBytes += bytesRead(merge, rule, name);
      double pos = LayerPosition.of(name, numLayers);
      double[] weights = merge.models().stream().mapToDouble(m -> m.weight().at(name, pos)).toArray();
      double[] densities = new double[merge.models().size()];
      for (int k = 0; k < densities.length; k++) {
        MergeInput m = merge.models().get(k);
        densities[k] = m.density().at(name, pos);
        MergeInput.checkDensity(m.checkpoint(), name, densities[k]);
      }
      out.add(new MergedTensor(t, () -> {
        float[][] models = new float[merge.models().size()][];
        for (int k = 0; k < models.length; k++) {
          models[k] = merge.models().get(k).checkpoint().tensor(name).toFloatArray();
        }
        float[] target = merge.target().tensor(name).toFloatArray();
        float[] base = rule.linear() ? null
            : merge.base() == merge.target() ? target : merge.base().tensor(name).toFloatArray();
        return TaskArithmeticKernel.compute(rule, name, base, target, models, weights, densities);
      }));
    }
    CheckpointWriter writer = CheckpointWriter.to(output).dtype(merge.dtype()).maxShardSize(merge.maxShardSize())
        .copyFilesFrom(merge.target()).overwrite(merge.overwrite())
        .metadata(Map.of("merge_method", merge.method().name()));
    List<Path> files;
    try {
      files = writer.write(out);
    } catch (UnsupportedOperationException | IllegalStateException e) {
      throw new MergeException("merge into " + output + " failed: " + e.getMessage(), e);
    }
    return new MergeReport(output, files, merged, out.size() - merged, inputBytes,
        Duration.ofNanos(System.nanoTime() - start));
  }

  private static long bytesRead(Merge merge, TaskArithmeticKernel.Rule rule, String name) {
    long n = merge.target().tensor(name).info().byteSize();
    if (!rule.linear() && merge.base() != merge.target()) {
      n += merge.base().tensor(name).info().byteSize();
    }
    for (MergeInput m : merge.models()) {
      n += m.checkpoint().tensor(name).info().byteSize();
    }
    return n;
  }

  /**
   * Every input must have the base's architecture and exactly its tensor names and shapes.
   *
   * @throws MergeException listing the first mismatches
   */
  static void checkInputsAgree(Merge merge) {
    List<String> problems = new ArrayList<>();
    List<Checkpoint> others = new ArrayList<>();
    if (merge.target() != merge.base()) {
      others.add(merge.target());
    }
    merge.models().forEach(m -> others.add(m.checkpoint()));
    Checkpoint base = merge.base();
    Map<String, TensorInfo> expected = byName(base);
    for (Checkpoint c : others) {
      if (c.config().architecture() != base.config().architecture()) {
        problems.add(c.directory() + " is " + c.config().architecture() + ", the base " + base.directory() + " is "
            + base.config().architecture());
        continue;
      }
      Map<String, TensorInfo> found = byName(c);
      for (TensorInfo t : expected.values()) {
        TensorInfo f = found.get(t.name());
        if (f == null) {
          problems.add(c.directory() + " has no tensor " + t.name());
        } else if (!f.shape().equals(t.shape())) {
          problems.add(t.name() + " has shape " + f.shape() + " in " + c.directory() + ", " + t.shape() + " in the base");
        } else if (f.dtype().isFloatingPoint() != t.dtype().isFloatingPoint()) {
          problems.add(t.name() + " is " + f.dtype() + " in " + c.directory() + ", " + t.dtype() + " in the base");
        }
      }
      for (String name : found.keySet()) {
        if (!expected.containsKey(name)) {
          problems.add(c.directory() + " has tensor " + name + ", which the base lacks");
        }
      }
    }
    if (!problems.isEmpty()) {
      StringBuilder msg = new StringBuilder("cannot " + merge.method().name() + ": the checkpoints do not match ("
          + problems.size() + " mismatch" + (problems.size() == 1 ? "" : "es") + "): ");
      msg.append(String.join("; ", problems.subList(0, Math.min(LISTED_MISMATCHES, problems.size()))));
      if (problems.size() > LISTED_MISMATCHES) {
        msg.append("; and ").append(problems.size() - LISTED_MISMATCHES).append(" more");
      }
      throw new MergeException(msg.toString());
    }
  }

  private static Map<String, TensorInfo> byName(Checkpoint c) {
    Map<String, TensorInfo> m = new LinkedHashMap<>();
    for (TensorInfo t : c.tensors()) {
      m.put(t.name(), t);
    }
    return m;
  }
}
