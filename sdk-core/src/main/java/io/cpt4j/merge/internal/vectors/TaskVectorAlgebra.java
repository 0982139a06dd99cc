package io.cpt4j.merge.internal.vectors;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.checkpoint.Tensor;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.checkpoint.TensorStore;
import io.cpt4j.merge.MergeException;
import io.cpt4j.merge.TaskVector;
import io.cpt4j.merge.internal.engine.DerivedTensor;
import io.cpt4j.merge.internal.engine.Mismatches;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reduces a {@link TaskVector} expression to its tensor set and, per tensor, to a linear combination
 * {@code Σ cᵢ·xᵢ} of stored tensors; identical operands (the same store object and tensor name) are
 * merged, and terms whose coefficients cancel to exactly 0 are dropped. Stateless.
 */
public final class TaskVectorAlgebra {
  private TaskVectorAlgebra() {}

  /**
   * The vector's tensors by name (dtype F32), in the documented order.
   *
   * @throws MergeException if operands disagree
   */
  public static Map<String, TensorInfo> tensors(TaskVector v) {
    return switch (v) {
      case TaskVector.Delta(Checkpoint base, Checkpoint tuned) -> {
        Mismatches.agree("take the task vector " + v.expression(), base, tuned);
        yield floats(base.tensors());
      }
      case TaskVector.Sum(TaskVector left, TaskVector right) -> {
        Map<String, TensorInfo> l = tensors(left);
        Map<String, TensorInfo> out = new LinkedHashMap<>(l);
        List<String> problems = new ArrayList<>();
        for (TensorInfo t : tensors(right).values()) {
          TensorInfo had = out.putIfAbsent(t.name(), t);
          if (had != null && !had.shape().equals(t.shape())) {
            problems.add(t.name() + " has shape " + had.shape() + " in " + left.expression() + ", " + t.shape()
                + " in " + right.expression());
          }
        }
        Mismatches.fail("cannot add task vectors of different shapes", problems);
        yield out;
      }
      case TaskVector.Scaled(TaskVector inner, double factor) -> tensors(inner);
      case TaskVector.Filtered f -> {
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        tensors(f.vector()).forEach((name, info) -> {
          if (f.keeps(name)) {
            out.put(name, info);
          }
        });
        yield out;
      }
      case TaskVector.Stored s -> floats(s.store().tensors());
    };
  }

  private static Map<String, TensorInfo> floats(List<TensorInfo> infos) {
    Map<String, TensorInfo> out = new LinkedHashMap<>();
    for (TensorInfo t : infos) {
      if (t.dtype().isFloatingPoint()) {
        out.put(t.name(), t.withDtype(DType.F32));
      }
    }
    return out;
  }

  /** One stored tensor and its coefficient. */
  record Term(Tensor source, double coefficient) {}

  /** The computation of {@code v} added to {@code target}'s tensor {@code targetInfo}. */
  static LinearCombination plusTarget(TaskVector v, Checkpoint target, TensorInfo targetInfo) {
    Map<Leaf, Double> acc = new LinkedHashMap<>();
    acc.put(new Leaf(target), 1.0);
    collect(v, targetInfo.name(), 1.0, acc);
    return new LinearCombination(targetInfo, termsOf(acc, targetInfo.name()));
  }

  /** The lazy tensor {@code info.name()} of {@code v} (dtype F32). */
  public static Tensor tensor(TaskVector v, TensorInfo info) {
    Map<Leaf, Double> acc = new LinkedHashMap<>();
    collect(v, info.name(), 1.0, acc);
    return DerivedTensor.of(info, new LinearCombination(info, termsOf(acc, info.name())));
  }

  private static List<Term> termsOf(Map<Leaf, Double> acc, String name) {
    List<Term> out = new ArrayList<>();
    acc.forEach((leaf, c) -> {
      if (c != 0) {
        out.add(new Term(leaf.store.tensor(name), c));
      }
    });
    return out;
  }

  private static void collect(TaskVector v, String name, double c, Map<Leaf, Double> acc) {
    switch (v) {
      case TaskVector.Delta(Checkpoint base, Checkpoint tuned) -> {
        if (base.contains(name) && base.tensor(name).dtype().isFloatingPoint()) {
          acc.merge(new Leaf(tuned), c, Double::sum);
          acc.merge(new Leaf(base), -c, Double::sum);
        }
      }
      case TaskVector.Sum(TaskVector left, TaskVector right) -> {
        collect(left, name, c, acc);
        collect(right, name, c, acc);
      }
      case TaskVector.Scaled(TaskVector inner, double factor) -> collect(inner, name, c * factor, acc);
      case TaskVector.Filtered f -> {
        if (f.keeps(name)) {
          collect(f.vector(), name, c, acc);
        }
      }
      case TaskVector.Stored s -> {
        if (s.store().contains(name)) {
          acc.merge(new Leaf(s.store()), c, Double::sum);
        }
      }
    }
  }

  /** A tensor store compared by identity. */
  private static final class Leaf {
    final TensorStore store;

    Leaf(TensorStore store) {
      this.store = store;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Leaf l && l.store == store;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(store);
    }
  }
}
