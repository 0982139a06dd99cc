package io.cpt4j.merge.internal.vectors;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.MergeReport;
import io.cpt4j.merge.TaskVector;
import io.cpt4j.merge.internal.engine.DerivedCheckpoint;
import io.cpt4j.merge.internal.engine.DerivedOutput;
import io.cpt4j.merge.internal.engine.Mismatches;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saving, loading and applying task vectors; an application runs on the derived-checkpoint engine
 * with one {@link LinearCombination} per tensor of the vector. Stateless.
 */
public final class TaskVectorIo {
  /** Metadata keys of a saved vector. */
  static final String EXPRESSION = "task_vector";
  static final String BASE = "base";
  static final String TUNED = "tuned";

  private TaskVectorIo() {}

  /** See {@link TaskVector#tensor}. */
  public static Tensor tensor(TaskVector v, String name) {
    TensorInfo info = TaskVectorAlgebra.tensors(v).get(name);
    if (info == null) {
      throw new MergeException("task vector " + v.expression() + " has no tensor " + name);
    }
    return TaskVectorAlgebra.tensor(v, info);
  }

  /** See {@link TaskVector#save(Path, DType)}. */
  public static void save(TaskVector v, Path file, DType dtype) {
    if (dtype == null || !dtype.isFloatingPoint()) {
      throw new MergeException("a task vector is saved in a floating-point dtype, got " + dtype);
    }
    List<Tensor> tensors = new ArrayList<>();
    for (TensorInfo info : TaskVectorAlgebra.tensors(v).values()) {
      tensors.add(TaskVectorAlgebra.tensor(v, info));
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", "pt");
    metadata.put(EXPRESSION, v.expression());
    if (v instanceof TaskVector.Delta(Checkpoint base, Checkpoint tuned)) {
      metadata.put(BASE, base.directory().toString());
      metadata.put(TUNED, tuned.directory().toString());
    }
    DerivedOutput.failuresAsMergeException("saving task vector to " + file, () -> {
      Safetensors.write(file, tensors, dtype, metadata);
      return file;
    });
  }

  /** See {@link TaskVector#load}. */
  public static TaskVector.Stored load(Path file) {
    TensorStore store = Safetensors.open(file);
    try {
      for (TensorInfo t : store.tensors()) {
        if (!t.dtype().isFloatingPoint()) {
          throw new MergeException(file + " is not a task vector: tensor " + t.name() + " is " + t.dtype()
              + " (a task vector holds floating-point tensors only)");
        }
      }
      return new TaskVector.Stored(file, store);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** See {@link TaskVector.Application#writeTo}: {@code target + vector}, checked first. */
  public static MergeReport apply(TaskVector.Application a, Path output) {
    DerivedCheckpoint out = DerivedCheckpoint.start();
    Checkpoint target = a.target();
    Map<String, TensorInfo> vector = TaskVectorAlgebra.tensors(a.vector());
    Map<String, TensorInfo> own = Mismatches.byName(target.tensors());
    List<String> problems = new ArrayList<>();
    vector.values().forEach(t -> {
      TensorInfo f = own.get(t.name());
      if (f == null) {
        problems.add(target.directory() + " has no tensor " + t.name());
      } else if (!f.shape().equals(t.shape())) {
        problems.add(t.name() + " has shape " + t.shape() + " in the vector, " + f.shape() + " in " + target.directory());
      } else if (!f.dtype().isFloatingPoint()) {
        problems.add(t.name() + " is " + f.dtype() + " in " + target.directory());
      }
    });
    Mismatches.fail("cannot apply task vector " + a.vector().expression() + " to " + target.directory(), problems);
    for (TensorInfo t : target.tensors()) {
      if (vector.containsKey(t.name())) {
        LinearCombination sum = TaskVectorAlgebra.plusTarget(a.vector(), target, t);
        out.derive(t, sum, null, sum.operandBytes());
      } else {
        out.copy(target.tensor(t.name()));
      }
    }
    return out.write(DerivedOutput.of(output, "applying task vector into " + output, a.dtype(), a.maxShardSize(),
        a.overwrite(), target, Map.of("merge_method", "task_vector", EXPRESSION, a.vector().expression())))
        .toMergeReport();
  }
}
