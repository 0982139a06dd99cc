package io.cpt4j.backend.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.checkpoint.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The trainable parameters of a model as engine arrays under their Hugging Face names, loaded from a
 * checkpoint (F16/BF16 widened in Java: the engine must never see BF16) and exported back as
 * float32 tensors with the same names and shapes.
 */
final class ModelParameters {
  private final Map<String, NDArray> arrays;

  private ModelParameters(Map<String, NDArray> arrays) {
    this.arrays = Collections.unmodifiableMap(arrays);
  }

  /** Loads every expected tensor of the checkpoint's config into {@code manager} as {@code dtype}. */
  static ModelParameters load(NDManager manager, Checkpoint checkpoint, DataType dtype) {
    return load(manager, checkpoint, dtype, name -> true);
  }

  /** Loads the expected tensors of the checkpoint's config that {@code which} accepts. */
  static ModelParameters load(NDManager manager, Checkpoint checkpoint, DataType dtype, Predicate<String> which) {
    ModelConfig c = checkpoint.config();
    Map<String, NDArray> arrays = new LinkedHashMap<>();
    for (Map.Entry<String, List<Long>> e : c.expectedTensors().entrySet()) {
      if (!which.test(e.getKey())) {
        continue;
      }
      Tensor t = checkpoint.tensor(e.getKey());
      float[] data = t.toFloatArray();
      long[] dims = e.getValue().stream().mapToLong(Long::longValue).toArray();
      NDArray a = manager.create(data, new Shape(dims));
      if (dtype != DataType.FLOAT32) {
        NDArray converted = a.toType(dtype, false);
        a.close();
        a = converted;
      }
      a.setName(e.getKey());
      arrays.put(e.getKey(), a);
    }
    return new ModelParameters(arrays);
  }

  /** Closes every array (they belong to a long-lived manager, freed early). */
  void close() {
    arrays.values().forEach(NDArray::close);
  }

  static ModelParameters of(Map<String, NDArray> arrays) {
    return new ModelParameters(new LinkedHashMap<>(arrays));
  }

  NDArray get(String name) {
    NDArray a = arrays.get(name);
    if (a == null) {
      throw new IllegalArgumentException("no parameter named " + name);
    }
    return a;
  }

  Map<String, NDArray> all() {
    return arrays;
  }

  long count() {
    long n = 0;
    for (NDArray a : arrays.values()) {
      n += a.getShape().size();
    }
    return n;
  }

  /** Float32 copies under HF names and shapes. */
  List<Tensor> toTensors() {
    List<Tensor> out = new ArrayList<>();
    for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
      NDArray a = e.getValue();
      float[] data = a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : toFloats(a);
      out.add(Tensor.ofFloats(e.getKey(), a.getShape().getShape(), data));
    }
    return out;
  }

  private static float[] toFloats(NDArray a) {
    try (NDArray f = a.toType(DataType.FLOAT32, true)) {
      return f.toFloatArray();
    }
  }
}
