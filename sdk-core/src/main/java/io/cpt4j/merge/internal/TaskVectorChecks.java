package io.cpt4j.merge.internal;

import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.TensorInfo;
import io.cpt4j.merge.MergeException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Up-front agreement checks for task vectors and grafting, with errors that list the first
 * mismatches (the same limit as the merge engine's). Stateless.
 */
final class TaskVectorChecks {
  /** Mismatches listed before "and N more" (as in the merge engine). */
  static final int LISTED_MISMATCHES = 5;

  private TaskVectorChecks() {}

  /**
   * {@code other} must have {@code base}'s architecture and exactly its tensor names, shapes and
   * float-ness.
   *
   * @param action what is refused, e.g. "take the task vector"
   * @throws MergeException listing the first mismatches
   */
  static void agree(String action, Checkpoint base, Checkpoint other) {
    List<String> problems = new ArrayList<>();
    if (other.config().architecture() != base.config().architecture()) {
      problems.add(other.directory() + " is " + other.config().architecture() + ", the base " + base.directory()
          + " is " + base.config().architecture());
    } else {
      Map<String, TensorInfo> expected = byName(base.tensors());
      Map<String, TensorInfo> found = byName(other.tensors());
      for (TensorInfo t : expected.values()) {
        TensorInfo f = found.get(t.name());
        if (f == null) {
          problems.add(other.directory() + " has no tensor " + t.name());
        } else if (!f.shape().equals(t.shape())) {
          problems.add(t.name() + " has shape " + f.shape() + " in " + other.directory() + ", " + t.shape()
              + " in the base");
        } else if (f.dtype().isFloatingPoint() != t.dtype().isFloatingPoint()) {
          problems.add(t.name() + " is " + f.dtype() + " in " + other.directory() + ", " + t.dtype() + " in the base");
        }
      }
      for (String name : found.keySet()) {
        if (!expected.containsKey(name)) {
          problems.add(other.directory() + " has tensor " + name + ", which the base lacks");
        }
      }
    }
    fail("cannot " + action + ": the checkpoints do not match", problems);
  }

  /**
   * Throws a {@link MergeException} "{@code what} (N mismatches): p1; p2; …; and M more" unless
   * {@code problems} is empty.
   */
  static void fail(String what, List<String> problems) {
    if (problems.isEmpty()) {
      return;
    }
    int listed = LISTED_MISMATCHES;
    StringBuilder msg = new StringBuilder(what + " (" + problems.size() + " mismatch"
        + (problems.size() == 1 ? "" : "es") + "): ");
    msg.append(String.join("; ", problems.subList(0, Math.min(listed, problems.size()))));
    if (problems.size() > listed) {
      msg.append("; and ").append(problems.size() - listed).append(" more");
    }
    throw new MergeException(msg.toString());
  }

  static Map<String, TensorInfo> byName(List<TensorInfo> tensors) {
    Map<String, TensorInfo> m = new LinkedHashMap<>();
    for (TensorInfo t : tensors) {
      m.put(t.name(), t);
    }
    return m;
  }
}
