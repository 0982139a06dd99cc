package io.cpt4j.merge.internal.graft;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointException;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.Safetensors;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.internal.engine.Mismatches;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A graft mask file: a safetensors file of BOOL or U8 tensors named and shaped like the model's,
 * values 0 or 1. Opening checks names, dtypes and shapes against the model; values are checked
 * when counted. Not thread-safe to close while reading.
 */
final class GraftMaskFile implements AutoCloseable {
  private final Path file;
  private final TensorStore store;

  private GraftMaskFile(Path file, TensorStore store) {
    this.file = file;
    this.store = store;
  }

  /**
   * Opens and checks {@code file} against {@code model}.
   *
   * @throws MergeException listing the first mismatching tensors
   */
  static GraftMaskFile open(Path file, Checkpoint model) {
    TensorStore store;
    try {
      store = Safetensors.open(file);
    } catch (CheckpointException e) {
      throw new MergeException("cannot read the graft mask: " + e.getMessage(), e);
    }
    try {
      Map<String, TensorInfo> expected = Mismatches.byName(model.tensors());
      List<String> problems = new ArrayList<>();
      for (TensorInfo m : store.tensors()) {
        TensorInfo t = expected.get(m.name());
        if (t == null) {
          problems.add("tensor " + m.name() + " is not in the model " + model.directory());
        } else if (m.dtype() != DType.BOOL && m.dtype() != DType.U8) {
          problems.add("tensor " + m.name() + " is " + m.dtype() + ", a mask must be BOOL or U8");
        } else if (!m.shape().equals(t.shape())) {
          problems.add("tensor " + m.name() + " has shape " + m.shape() + ", the model's is " + t.shape());
        }
      }
      Mismatches.fail("graft mask " + file + " does not fit the model", problems);
      return new GraftMaskFile(file, store);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The mask tensor for {@code name}, or null if the file has none. */
  Tensor tensor(String name) {
    return store.contains(name) ? store.tensor(name) : null;
  }

  /**
   * The number of ones in {@code mask}.
   *
   * @throws MergeException at the first value other than 0 or 1, naming the tensor and index
   */
  long countOnes(Tensor mask) {
    MemorySegment m = mask.bytes();
    long n = mask.elementCount();
    long ones = 0;
    for (long i = 0; i < n; i++) {
      byte b = m.get(ValueLayout.JAVA_BYTE, i);
      if (b == 1) {
        ones++;
      } else if (b != 0) {
        throw new MergeException("graft mask " + file + ": tensor " + mask.name() + " has value " + (b & 0xff)
            + " at index " + i + " (a mask holds 0 or 1)");
      }
    }
    return ones;
  }

  @Override
  public void close() {
    store.close();
  }
}
